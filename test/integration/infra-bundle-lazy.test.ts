/**
 * The code a function imports only on first use (infra/bundle.ts puts it in chunks/), run from a
 * bundle built with the functions' options in a fresh Node process: a secret read through the SDK
 * and an MSK IAM token from AWS's signer. Unbundled (the unit tests) these paths cannot show a
 * chunk that is missing or an import that the split bundle resolves differently.
 * Secrets Manager is stood in for by a small HTTP endpoint (AWS_ENDPOINT_URL_SECRETS_MANAGER);
 * the token is signed locally (no AWS call).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleEntry } from '../../infra/bundle.js';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:probe-AbCdEf';
let server: Server;
let bundle: string;

beforeAll(async () => {
  server = createServer(async (request, response) => {
    for await (const _ of request);
    response
      .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
      .end(JSON.stringify({ ARN, Name: 'probe', SecretString: 'the value' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ({ file: bundle } = await bundleEntry(
    join(import.meta.dirname, '..', 'fixtures', 'bundle', 'lazy-imports.ts'),
    mkdtempSync(join(tmpdir(), 'bundle-lazy-')),
  ));
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('a bundle split into chunks', () => {
  it('keeps the SDK and the MSK signer out of index.mjs, in chunks/', () => {
    expect(readdirSync(join(bundle, '..', 'chunks')).filter((file) => file.endsWith('.mjs')).length).toBeGreaterThan(0);
  });

  it('reads a secret through the SDK and signs an MSK IAM token from its chunks', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'example-secret',
      AWS_SESSION_TOKEN: 'example-session',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    };
    const { stdout } = await promisify(execFile)(process.execPath, [bundle, ARN], { env });
    const { secret, token } = JSON.parse(stdout) as { secret: string; token: string };
    expect(secret).toBe('the value');
    const url = new URL(Buffer.from(token, 'base64url').toString('utf8'));
    expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^ASIAEXAMPLE\//);
  });
});
