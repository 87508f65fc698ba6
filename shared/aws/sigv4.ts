/**
 * AWS Signature Version 4 from node:crypto: a signed POST (Secrets Manager, shared/db/secrets-manager.ts)
 * and a presigned GET URL (the MSK IAM token, shared/kafka/msk-iam-token.ts). The SDK's signer and
 * its credential chain cost cold starts tens of milliseconds for two requests per container.
 * Algorithm: docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html;
 * test/unit/db-secrets-manager.test.ts holds both against AWS's example key and the SDK's own signer.
 */
import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignedRequest {
  url: URL;
  headers: Record<string, string>;
  body: string;
}

const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');

/** The SigV4 signing key of a day, region and service. */
export function signingKey(secretAccessKey: string, day: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service), 'aws4_request');
}

/**
 * A POST to `url` with `headers` and `body`, signed for `service` in `region` at `now`: adds host,
 * x-amz-date, x-amz-security-token (with a session token) and authorization. All headers are signed.
 */
export function signPost(
  { url, headers, body }: SignedRequest,
  { region, service, credentials, now }: { region: string; service: string; credentials: AwsCredentials; now: Date },
): SignedRequest {
  const amzDate = now.toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const all: Record<string, string> = { ...headers, host: url.host, 'x-amz-date': amzDate };
  if (credentials.sessionToken) all['x-amz-security-token'] = credentials.sessionToken;
  const names = Object.keys(all)
    .map((name) => name.toLowerCase())
    .sort();
  const value = (name: string) =>
    Object.entries(all)
      .find(([key]) => key.toLowerCase() === name)![1]
      .trim()
      .replace(/\s+/g, ' ');
  const signedHeaders = names.join(';');
  const canonical = [
    'POST',
    url.pathname || '/',
    '',
    ...names.map((name) => `${name}:${value(name)}`),
    '',
    signedHeaders,
    sha256Hex(body),
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, day, region, service))
    .update(toSign, 'utf8')
    .digest('hex');
  const authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { url, body, headers: { ...all, authorization } };
}

/** RFC 3986 encoding, as SigV4 wants it for query keys and values. */
export const uriEncode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * A presigned GET of `url` (its query parameters signed with it), valid `expiresSeconds`; only the
 * host header is signed, the payload is empty. Returns the query parameters in signing order,
 * X-Amz-Signature last.
 */
export function presignGet(
  url: URL,
  {
    region,
    service,
    credentials,
    now,
    expiresSeconds,
  }: { region: string; service: string; credentials: AwsCredentials; now: Date; expiresSeconds: number },
): Array<[string, string]> {
  const amzDate = now.toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/${service}/aws4_request`;
  const query: Array<[string, string]> = [...url.searchParams.entries()];
  if (credentials.sessionToken) query.push(['X-Amz-Security-Token', credentials.sessionToken]);
  query.push(
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(expiresSeconds)],
    ['X-Amz-SignedHeaders', 'host'],
  );
  const canonicalQuery = query
    .map(([key, value]) => [uriEncode(key), uriEncode(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const canonical = ['GET', url.pathname || '/', canonicalQuery, `host:${url.host}`, '', 'host', sha256Hex('')].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  query.push([
    'X-Amz-Signature',
    createHmac('sha256', signingKey(credentials.secretAccessKey, day, region, service))
      .update(toSign, 'utf8')
      .digest('hex'),
  ]);
  return query;
}

/** The credentials Lambda gives the function, from the environment. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): AwsCredentials {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (!accessKeyId || !secretAccessKey) throw new Error('no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)');
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}
