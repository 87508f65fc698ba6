/**
 * The SigV4 headers the smoke test sends to POST /orders, checked the way API Gateway checks
 * them: the signature recomputed here from the request and the headers it names, with the
 * algorithm of docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 * written out independently (node:crypto), so a fault in the signer's hashing shows. AWS itself
 * cannot be asked here: the credentials are made up.
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { executeApiSigner } from '../../local/tools/smoke/sigv4.js';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token-example',
};
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

interface SentRequest {
  method: string;
  url: URL;
  body: string;
  headers: Record<string, string>;
}

function expectedSignature(request: SentRequest, signedHeaders: string[], scope: string, amzDate: string): string {
  const all = Object.entries({ ...request.headers, host: request.url.host });
  const lower = Object.fromEntries(all.map(([name, value]) => [name.toLowerCase(), value.trim()]));
  const canonical = [
    request.method,
    request.url.pathname,
    '',
    ...signedHeaders.map((name) => `${name}:${lower[name]}`),
    '',
    signedHeaders.join(';'),
    sha256(request.body),
  ].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const [date, region, service] = scope.split('/');
  const key = hmac(hmac(hmac(hmac(`AWS4${CREDENTIALS.secretAccessKey}`, date!), region!), service!), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

describe('executeApiSigner', () => {
  it('signs POST /orders for execute-api in the region, with the session token, verifiably', async () => {
    const signer = executeApiSigner('eu-west-1', async () => CREDENTIALS);
    await signer.ready();
    const url = new URL('https://abc123.execute-api.eu-west-1.amazonaws.com/orders');
    const request = { method: 'POST', url, body: '{"order_uid":"smoke-1"}', headers: { 'content-type': 'application/json' } };
    const headers = await signer.headers(request);

    expect(headers.host).toBeUndefined();
    expect(headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
    const amzDate = headers['x-amz-date']!;
    expect(amzDate).toMatch(/^\d{8}T\d{6}Z$/);
    const shape = /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/;
    const match = shape.exec(headers.authorization ?? '');
    expect(match, headers.authorization).not.toBeNull();
    const [, scope, signed, signature] = match!;
    expect(scope).toBe(`${amzDate.slice(0, 8)}/eu-west-1/execute-api/aws4_request`);
    const signedHeaders = signed!.split(';');
    expect(signedHeaders).toEqual(expect.arrayContaining(['content-type', 'host', 'x-amz-date', 'x-amz-security-token']));
    expect(signature).toBe(expectedSignature({ ...request, headers: { ...request.headers, ...headers } }, signedHeaders, scope!, amzDate));
    // Another body, another signature: the payload is signed.
    const other = await signer.headers({ ...request, body: '{"order_uid":"smoke-2"}' });
    expect(other.authorization).not.toBe(headers.authorization);
  });

  it('fails ready() when there are no credentials', async () => {
    const signer = executeApiSigner('eu-west-1', async () => {
      throw new Error('Could not load credentials from any providers');
    });
    await expect(signer.ready()).rejects.toThrow('Could not load credentials from any providers');
  });
});
