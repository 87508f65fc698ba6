/**
 * The Secrets Manager client without the SDK: its signature against AWS's documented signing-key
 * example and against the SDK's own signer (`@smithy/signature-v4`, installed as a dependency of
 * the MSK IAM signer), and a GetSecretValue round trip against a local HTTP server standing in for
 * Secrets Manager (which cannot exist here): it checks what AWS checks of the request's shape.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signingKey, signPost } from '../../shared/aws/sigv4.js';
import { endpointFor, getSecretString, SecretsManagerError } from '../../shared/db/secrets-manager.js';

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData) =>
  typeof data === 'string'
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** The Checksum the SDK signer takes, from node:crypto. */
class NodeSha256 {
  private hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData) {
    this.hash.update(bytes(data));
  }
  digest() {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset() {}
}

describe('signingKey', () => {
  it("derives AWS's documented example key (IAM, us-east-1, 2012-02-15)", () => {
    // docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html (derive the signing key)
    expect(signingKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam').toString('hex')).toBe(
      'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d',
    );
  });
});

describe('signPost', () => {
  const word = fc.stringMatching(/^[A-Za-z0-9/+]{1,40}$/);
  it("signs a POST exactly as the SDK's signer does", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          accessKeyId: fc.stringMatching(/^[A-Z0-9]{16,20}$/),
          secretAccessKey: word,
          sessionToken: fc.option(word, { nil: undefined }),
          region: fc.constantFrom('eu-west-1', 'us-east-1', 'cn-north-1', 'ap-southeast-2'),
          body: fc.string(),
          target: fc.constantFrom('secretsmanager.GetSecretValue', 'secretsmanager.ListSecrets'),
          now: fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T23:59:59Z'), noInvalidDate: true }),
        }),
        async ({ accessKeyId, secretAccessKey, sessionToken, region, body, target, now }) => {
          const credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
          const url = new URL(`https://secretsmanager.${region}.amazonaws.com/`);
          const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target };
          const ours = signPost(
            { url, headers, body },
            { region, service: 'secretsmanager', credentials, now: new Date(Math.floor(now.getTime() / 1000) * 1000) },
          );
          const sdk = new SignatureV4({ credentials, region, service: 'secretsmanager', sha256: NodeSha256, applyChecksum: false });
          const signed = await sdk.sign(
            { method: 'POST', protocol: 'https:', hostname: url.hostname, path: '/', headers: { ...headers, host: url.host }, body },
            { signingDate: new Date(Math.floor(now.getTime() / 1000) * 1000) },
          );
          expect(ours.headers.authorization).toBe(signed.headers.authorization);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('endpointFor', () => {
  it("takes the region and partition from the secret's ARN, and the SDK's endpoint override", () => {
    expect(endpointFor('arn:aws:secretsmanager:eu-west-1:123456789012:secret:a', {}).url.href).toBe(
      'https://secretsmanager.eu-west-1.amazonaws.com/',
    );
    expect(endpointFor('arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:a', {}).url.href).toBe(
      'https://secretsmanager.cn-north-1.amazonaws.com.cn/',
    );
    expect(
      endpointFor('arn:aws:secretsmanager:eu-west-1:1:secret:a', { AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:4566' }).region,
    ).toBe('eu-west-1');
  });
});

describe('getSecretString', () => {
  const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-writer-AbCdEf';
  const requests: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let answer: { status: number; body: string } = { status: 200, body: '' };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      requests.push({ headers: request.headers, body });
      response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' }).end(answer.body);
    });
  });
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    env = {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}/`,
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    };
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('posts a signed GetSecretValue for the ARN and returns the SecretString', async () => {
    answer = { status: 200, body: JSON.stringify({ ARN, Name: 'orders-db-writer', SecretString: '{"password":"x"}', VersionId: 'v1' }) };
    expect(await getSecretString(ARN, { env })).toBe('{"password":"x"}');
    const { headers, body } = requests.at(-1)!;
    expect(JSON.parse(body)).toEqual({ SecretId: ARN });
    expect(headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
    expect(headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(headers['x-amz-security-token']).toBe('token');
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
  });

  it("throws the error's type, not its message", async () => {
    answer = { status: 400, body: JSON.stringify({ __type: 'ResourceNotFoundException', message: `Secrets Manager can't find ${ARN}` }) };
    const error = await getSecretString(ARN, { env }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretsManagerError);
    expect(error).toMatchObject({ type: 'ResourceNotFoundException', status: 400 });
    expect((error as Error).message).not.toContain(ARN);
  });

  it('needs credentials', async () => {
    await expect(getSecretString(ARN, { env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: env.AWS_ENDPOINT_URL_SECRETS_MANAGER } })).rejects.toThrow(
      /no AWS credentials/,
    );
  });
});
