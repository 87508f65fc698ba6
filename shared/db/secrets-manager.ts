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
 * secretsmanager.GetSecretValue` (docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html),
 * signed by shared/aws/sigv4.ts.
 */
import { createRequire } from 'node:module';
import { credentialsFromEnv, type SignedRequest, signPost } from '../aws/sigv4.js';

const SERVICE = 'secretsmanager';

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
export async function getSecretString(
  arn: string,
  { env = process.env, timeoutMs = 5_000 }: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  const { url, region } = endpointFor(arn, env);
  const request = signPost(
    {
      url,
      body: JSON.stringify({ SecretId: arn }),
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
    },
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
  if (status !== 200)
    throw new SecretsManagerError(
      String(answer.__type ?? 'UnknownError')
        .split('#')
        .at(-1)!,
      status,
    );
  if (typeof answer.SecretString !== 'string') throw new SecretsManagerError('NoSecretString', status);
  return answer.SecretString;
}
