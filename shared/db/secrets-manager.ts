/**
 * Secrets Manager's GetSecretValue over HTTPS, signed with Signature Version 4 from node:crypto,
 * instead of the AWS SDK client: loading `@aws-sdk/client-secrets-manager` (the Lambda runtime's
 * copy is the same CommonJS tree) and Powertools Parameters cost every cold start of ingest, read
 * API and migrate tens of milliseconds (docs/benchmarks.md) for one request per container.
 *
 * Credentials: the variables Lambda sets for the execution role (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), read when a secret is fetched. The region and
 * partition come from the secret's ARN; AWS_ENDPOINT_URL_SECRETS_MANAGER (or AWS_ENDPOINT_URL)
 * overrides the endpoint as it does for the SDK. Protocol: awsJson1_1, `X-Amz-Target:
 * secretsmanager.GetSecretValue` (docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html);
 * signing: docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html.
 */
import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';

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

const SERVICE = 'secretsmanager';
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
  const names = Object.keys(all).map((name) => name.toLowerCase()).sort();
  const value = (name: string) => Object.entries(all).find(([key]) => key.toLowerCase() === name)![1].trim().replace(/\s+/g, ' ');
  const signedHeaders = names.join(';');
  const canonical = ['POST', url.pathname || '/', '', ...names.map((name) => `${name}:${value(name)}`), '', signedHeaders, sha256Hex(body)].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, day, region, service)).update(toSign, 'utf8').digest('hex');
  const authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { url, body, headers: { ...all, authorization } };
}

/** The credentials Lambda gives the function, from the environment. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): AwsCredentials {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (!accessKeyId || !secretAccessKey) throw new Error('no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)');
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** Secrets Manager's endpoint for the region and partition of a secret's ARN. */
export function endpointFor(arn: string, env: NodeJS.ProcessEnv = process.env): { url: URL; region: string } {
  const [, partition, , region] = arn.split(':');
  if (!partition || !region) throw new Error('not the ARN of a secret');
  const override = env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? env.AWS_ENDPOINT_URL;
  const suffix = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return { url: new URL(override ?? `https://${SERVICE}.${region}.${suffix}/`), region };
}

/**
 * node:http(s), required on first use: the database needs TLS by then anyway, and require() skips
 * the ES module facade of node:http, whose export getters load Node's bundled undici (~30 ms).
 */
const requireBuiltin = createRequire(import.meta.url);

/** Posts a signed request and reads the whole answer. */
async function post({ url, headers, body }: SignedRequest, timeoutMs: number): Promise<{ status: number; text: string }> {
  const transport = requireBuiltin(url.protocol === 'http:' ? 'node:http' : 'node:https') as typeof import('node:https');
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { method: 'POST', headers, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`Secrets Manager did not answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** The error GetSecretValue answered with: its type only (messages may quote the request). */
export class SecretsManagerError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
  ) {
    super(`Secrets Manager GetSecretValue failed: ${type} (HTTP ${status})`);
    this.name = 'SecretsManagerError';
  }
}

/** The SecretString of the secret `arn` (current version), fetched now. */
export async function getSecretString(arn: string, { env = process.env, timeoutMs = 5_000 }: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  const { url, region } = endpointFor(arn, env);
  const request = signPost(
    { url, body: JSON.stringify({ SecretId: arn }), headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' } },
    { region, service: SERVICE, credentials: credentialsFromEnv(env), now: new Date() },
  );
  const { status, text } = await post(request, timeoutMs);
  const answer = (() => {
    try {
      return JSON.parse(text) as { SecretString?: unknown; __type?: unknown };
    } catch {
      return {};
    }
  })();
  if (status !== 200) throw new SecretsManagerError(String(answer.__type ?? 'UnknownError').split('#').at(-1)!, status);
  if (typeof answer.SecretString !== 'string') throw new SecretsManagerError('NoSecretString', status);
  return answer.SecretString;
}
