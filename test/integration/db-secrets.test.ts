/**
 * The secret reader (shared/db/secrets.ts) through the real SDK client and Powertools' cache,
 * what classifyError (shared/db/errors.ts) makes of the errors the SDK really raises, and the
 * read API's answer when the secret cannot be read.
 *
 * Secrets Manager itself is stood in for by a small HTTP server that answers GetSecretValue as
 * the service does (awsJson1_1: `X-Amz-Target`, `__type` errors); the SDK finds it through
 * AWS_ENDPOINT_URL_SECRETS_MANAGER, as it finds LocalStack locally. Against LocalStack itself the
 * rotation tests read the secrets (the localstack helper's tests).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { InternalServiceError, ResourceNotFoundException, SecretsManagerServiceException } from '@aws-sdk/client-secrets-manager';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiDependencies, createApiHandler } from '../../functions/api/api-handler.js';
import { cacheConfigFromEnv } from '../../functions/api/order-cache.js';
import { classifyError } from '../../shared/db/errors.js';
import { readSecretString } from '../../shared/db/secrets.js';
import { apiGet } from '../support/api-events.js';
import { lambdaContext } from '../support/lambda.js';

type Answer = { status: number; body: unknown } | 'hang' | 'reset';

interface Received {
  target: string | undefined;
  authorization: string | undefined;
  body: { SecretId?: string };
}

let answer: Answer = 'hang';
const received: Received[] = [];
const sockets = new Set<Socket>();
let server: Server;
let endpoint: string;

const bodyOf = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Received['body'];
};

beforeAll(async () => {
  server = createServer(async (request, response) => {
    received.push({
      target: request.headers['x-amz-target'] as string,
      authorization: request.headers.authorization,
      body: await bodyOf(request),
    });
    if (answer === 'hang') return;
    if (answer === 'reset') return void request.socket.destroy();
    response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(answer.body));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // What the SDK reads; the reader has no endpoint logic of its own.
  vi.stubEnv('AWS_ENDPOINT_URL', '');
  vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', endpoint);
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAEXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'example-secret');
  vi.stubEnv('AWS_SESSION_TOKEN', 'example-session');
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  vi.unstubAllEnvs();
});

beforeEach(() => {
  received.length = 0;
});

const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;

/** The error a forced read of `name` fails with. */
const failure = (name: string) =>
  readSecretString(arn(name), { forceFetch: true }).then(
    () => expect.unreachable('the read should fail'),
    (error: unknown) => error as Error,
  );

describe('readSecretString', () => {
  it("calls GetSecretValue at the SDK's endpoint and region, caches the value, and reads afresh with forceFetch", async () => {
    answer = { status: 200, body: { ARN: arn('cached'), Name: 'cached', SecretString: '{"password":"one"}' } };
    expect(await readSecretString(arn('cached'))).toBe('{"password":"one"}');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ target: 'secretsmanager.GetSecretValue', body: { SecretId: arn('cached') } });
    expect(received[0]!.authorization).toMatch(/Credential=ASIAEXAMPLE\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request/);

    answer = { status: 200, body: { ARN: arn('cached'), Name: 'cached', SecretString: '{"password":"two"}' } };
    expect(await readSecretString(arn('cached'))).toBe('{"password":"one"}');
    expect(received).toHaveLength(1);
    expect(await readSecretString(arn('cached'), { forceFetch: true })).toBe('{"password":"two"}');
    expect(received).toHaveLength(2);
  });

  it("signs for the ARN's region where no AWS_REGION is set (a tool without AWS settings)", async () => {
    vi.stubEnv('AWS_REGION', '');
    vi.resetModules();
    try {
      const fresh = await import('../../shared/db/secrets.js');
      const other = 'arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:elsewhere-AbCdEf';
      answer = { status: 200, body: { ARN: other, Name: 'elsewhere', SecretString: 'x' } };
      expect(await fresh.readSecretString(other)).toBe('x');
      expect(received.at(-1)!.authorization).toMatch(/\/ap-southeast-2\/secretsmanager\/aws4_request/);
    } finally {
      vi.stubEnv('AWS_REGION', 'eu-west-1');
    }
  });

  it('refuses a binary secret', async () => {
    answer = { status: 200, body: { ARN: arn('binary'), Name: 'binary', SecretBinary: Buffer.from('x').toString('base64') } };
    expect(await failure('binary')).toBeInstanceOf(TypeError);
  });
});

describe("classifyError on the SDK's own errors (never Powertools' wrapper)", () => {
  it('ThrottlingException (HTTP 400, not a modelled error of Secrets Manager): unavailable, after the SDK retried it', async () => {
    answer = { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } };
    const error = await failure('throttled');
    expect(error).toBeInstanceOf(SecretsManagerServiceException);
    expect(error.name).toBe('ThrottlingException');
    expect(classifyError(error)).toBe('unavailable');
    expect(received.length).toBeGreaterThan(1);
  });

  it('InternalServiceError (HTTP 500): unavailable', async () => {
    answer = { status: 500, body: { __type: 'InternalServiceError', Message: 'An error occurred on the server side.' } };
    const error = await failure('internal');
    expect(error).toBeInstanceOf(InternalServiceError);
    expect(classifyError(error)).toBe('unavailable');
  });

  it('HTTP 503 without a modelled type: unavailable', async () => {
    answer = { status: 503, body: { __type: 'ServiceUnavailableException' } };
    expect(classifyError(await failure('unavailable'))).toBe('unavailable');
  });

  it("a connection the server drops, from the SDK's node-http-handler: unavailable", async () => {
    answer = 'reset';
    const error = await failure('reset');
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    expect(classifyError(error)).toBe('unavailable');
  });

  it('no server at the endpoint: unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const handler = new NodeHttpHandler();
    const error = await handler
      .handle({ protocol: 'http:', hostname: '127.0.0.1', port, method: 'POST', path: '/', query: {}, headers: {}, body: '{}' } as never)
      .then(
        () => expect.unreachable('nothing listens'),
        (caught: unknown) => caught as Error,
      );
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(classifyError(error)).toBe('unavailable');
  });

  it("the SDK's TimeoutError (an answer that never comes): unavailable", async () => {
    answer = 'hang';
    const { port } = server.address() as AddressInfo;
    const handler = new NodeHttpHandler({ requestTimeout: 200, throwOnRequestTimeout: true });
    const error = await handler
      .handle({ protocol: 'http:', hostname: '127.0.0.1', port, method: 'POST', path: '/', query: {}, headers: {}, body: '{}' } as never)
      .then(
        () => expect.unreachable('the server never answers'),
        (caught: unknown) => caught as Error,
      );
    expect(error.name).toBe('TimeoutError');
    expect(classifyError(error)).toBe('unavailable');
  });

  it('a missing secret or a denied read: defect (a misconfiguration: retrying cannot help)', async () => {
    answer = { status: 400, body: { __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." } };
    const missing = await failure('missing');
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(classifyError(missing)).toBe('defect');
    answer = { status: 400, body: { __type: 'AccessDeniedException', Message: 'not authorized' } };
    expect(classifyError(await failure('denied'))).toBe('defect');
  });
});

describe('the read API when Secrets Manager cannot answer', () => {
  it('answers 503 with Retry-After for a throttled secret read (no database reached at all)', async () => {
    answer = { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } };
    const dependencies = apiDependencies({ DB_SECRET_ARN: arn('api-throttled'), AWS_REGION: 'eu-west-1' });
    try {
      const handler = createApiHandler({ cache: cacheConfigFromEnv({}), signIn: undefined }, dependencies);
      const response = await handler(apiGet('/orders/a1'), lambdaContext());
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['retry-after']).toBe('5');
      expect(received.every((request) => request.body.SecretId === arn('api-throttled'))).toBe(true);
      // The SDK's own attempts (three by default), not repeated by the read API on top.
      expect(received).toHaveLength(3);
    } finally {
      await dependencies.database.close();
    }
  });
});
