/**
 * A secret's current value, from Secrets Manager through Powertools Parameters (its
 * `SecretsProvider`, what `getSecret` uses, on `@aws-sdk/client-secrets-manager`), cached per
 * container for `SECRET_MAX_AGE_SECONDS`. Our own provider rather than `getSecret`'s default one
 * only to give the SDK's client timeouts: without them a Secrets Manager that accepts the
 * connection and never answers would hold the invocation until Lambda's timeout, where a
 * TimeoutError lets ingest wait within its outage budget and the read API answer 503.
 *
 * Everything AWS about the call is the SDK's: credentials (the execution role's, from the
 * variables Lambda sets), region (AWS_REGION; shared/db/config.ts checks that each secret's ARN
 * names the same one, as Secrets Manager serves a secret only in its own region; without
 * AWS_REGION, the ARN's), endpoint (AWS_ENDPOINT_URL_SECRETS_MANAGER or AWS_ENDPOINT_URL, e.g.
 * LocalStack locally), retries with backoff for throttling, 5xx and network errors.
 *
 * The SDK is imported where a secret is first read, not at module load: a function that reaches
 * its database through DATABASE_URL never loads it, and Lambda's init phase does not pay for it.
 */

/**
 * How long a read secret is trusted. A rotation does not wait for it: a refused login reads the
 * secret again at once (`forceFetch`, shared/db/pool.ts).
 */
export const SECRET_MAX_AGE_SECONDS = 3_600;

/**
 * Connect and answer timeouts of one request, raised as the SDK's TimeoutError (which it retries);
 * without `throwOnRequestTimeout` the handler would only log a warning when the answer is late.
 */
const CLIENT_CONFIG = { requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000, throwOnRequestTimeout: true } };

type Sdk = typeof import('./secrets-sdk.js');
let provider: Promise<InstanceType<Sdk['SecretsProvider']>> | undefined;

/**
 * The container's provider, created (and the SDK loaded) on the first read. Its region is the
 * SDK's own (AWS_REGION, which Lambda always sets); only where none is set (a tool run without
 * AWS settings) the region the secret's ARN names, the one region that can serve it, rather than
 * the SDK's untyped "Region is missing" at the first read.
 */
const secretsProvider = (arn: string) =>
  (provider ??= import('./secrets-sdk.js').then(
    ({ SecretsProvider }) =>
      new SecretsProvider({ clientConfig: { ...CLIENT_CONFIG, ...(process.env.AWS_REGION ? {} : { region: arn.split(':')[3] }) } }),
  ));

/**
 * The SDK's error under Powertools' GetParameterError (its `cause`), with the SDK's own retry
 * judgement recorded where classifyError looks (`$retryable`, the SDK's field for a retryable
 * error): a ThrottlingException is a 4xx the SDK does not mark so, though it retries it. Done
 * here, where the SDK is loaded, so that classifyError needs none of it at init.
 */
async function sdkError(error: unknown): Promise<unknown> {
  const { GetParameterError, isThrottlingError, isTransientError } = await import('./secrets-sdk.js');
  const cause = error instanceof GetParameterError && error.cause instanceof Error ? error.cause : error;
  if (!(cause instanceof Error)) return cause;
  const sdk = cause as Error & Parameters<typeof isTransientError>[0] & { $retryable?: { throttling?: boolean } };
  if (sdk.$retryable === undefined && (isThrottlingError(sdk) || isTransientError(sdk)))
    sdk.$retryable = { throttling: isThrottlingError(sdk) };
  return sdk;
}

/**
 * The SecretString of the secret `arn`: from the container's cache while younger than
 * `SECRET_MAX_AGE_SECONDS`, else (or with `forceFetch`) read from Secrets Manager now.
 *
 * Errors are the SDK's own (a `SecretsManagerServiceException` such as `ThrottlingException` or
 * `InternalServiceError`, a `TimeoutError`, a Node network error), not Powertools' wrapper, so
 * that shared/db/errors.ts `classifyError` sees what failed: throttling, 5xx and the network are
 * `unavailable` (marked `$retryable` when the SDK's own classification says so); a missing
 * secret or a denied read are `defect`.
 *
 * @example
 * ```ts
 * const text = await readSecretString(process.env.DB_SECRET_ARN!);
 * // after PostgreSQL refused the password (a rotation):
 * const fresh = await readSecretString(process.env.DB_SECRET_ARN!, { forceFetch: true });
 * ```
 */
export async function readSecretString(arn: string, { forceFetch = false }: { forceFetch?: boolean } = {}): Promise<string> {
  const secrets = await secretsProvider(arn);
  let value: unknown;
  try {
    value = await secrets.get(arn, { maxAge: SECRET_MAX_AGE_SECONDS, forceFetch });
  } catch (error) {
    throw await sdkError(error);
  }
  if (typeof value !== 'string') throw new TypeError('the secret holds no SecretString (a binary secret?)');
  return value;
}
