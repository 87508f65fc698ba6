import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { PoolConfig } from 'pg';
import * as z from 'zod';

/**
 * The database concern's configuration, from the environment, in one schema:
 *  - DATABASE_URL: a postgres:// URL (local runs, tests; `?sslmode=` as libpq understands it);
 *    it wins over DB_SECRET_ARN;
 *  - DB_SECRET_ARN: the Secrets Manager secret the function logs in with ({ host, port,
 *    username, password, dbname, ... } as RDS writes it): the master secret for the migrate
 *    function, the function's own role secret for the others. Fetched once per container and
 *    cached. TLS is required and verified: the Lambda Node.js runtime trusts the RDS CA bundle
 *    when NODE_EXTRA_CA_CERTS points at it (the infra sets it);
 *  - DB_HOST: an RDS Proxy endpoint in front of the instance; DB_NAME: the database;
 *  - DB_POOL_MAX, DB_CONNECT_TIMEOUT_MS, DB_STATEMENT_TIMEOUT_MS: pool size and timeouts;
 *  - DB_WRITER_SECRET_ARN, DB_READER_SECRET_ARN: the migrate function only, the secrets whose
 *    passwords it gives to orders_writer and orders_reader.
 * readDatabaseConfig parses without I/O and names every bad variable in one error; the pool reads
 * it when it is created (the first invocation of a container).
 */

export class DatabaseConfigError extends Error {
  override name = 'DatabaseConfigError';
}

// The ARN of a secret in any partition (aws, aws-cn, aws-us-gov, ...).
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/;

const secretArn = z.string().regex(SECRET_ARN, 'must be the ARN of a Secrets Manager secret (arn:aws:secretsmanager:...)');
const name = z.string().min(1, 'must not be empty');
const integer = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .default(fallback);

const databaseUrl = z.string().refine((value) => {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, 'must be a postgres:// or postgresql:// URL');

const databaseEnvSchema = z.object({
  DATABASE_URL: databaseUrl.optional(),
  DB_SECRET_ARN: secretArn.optional(),
  DB_HOST: name.optional(),
  DB_NAME: name.optional(),
  DB_POOL_MAX: integer(1, 100, 2),
  DB_CONNECT_TIMEOUT_MS: integer(100, 120_000, 5_000),
  DB_STATEMENT_TIMEOUT_MS: integer(100, 900_000, 15_000),
  DB_WRITER_SECRET_ARN: secretArn.optional(),
  DB_READER_SECRET_ARN: secretArn.optional(),
});

export type DatabaseEnv = z.infer<typeof databaseEnvSchema>;

const NOWHERE = 'set DATABASE_URL (local) or DB_SECRET_ARN (AWS) to reach the database';

/** "NAME: problem" per issue; never the value, which may hold a password. */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`).join('; ');
}

/** Empty strings count as unset (a CDK or shell variable that was left blank). */
function presentOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}

/** Parses the database variables of `env`; throws one DatabaseConfigError naming each bad one. */
export function readDatabaseConfig(env: NodeJS.ProcessEnv = process.env): DatabaseEnv {
  const present = presentOnly(env);
  const parsed = databaseEnvSchema.safeParse(present);
  const problems = parsed.success ? [] : [describeIssues(parsed.error)];
  // Checked apart from the schema so that it is reported together with any other problem.
  if (!present.DATABASE_URL && !present.DB_SECRET_ARN) problems.unshift(`DATABASE_URL: ${NOWHERE}`);
  if (!parsed.success || problems.length > 0) throw new DatabaseConfigError(`database configuration: ${problems.join('; ')}`);
  return parsed.data;
}

/** The fields of an RDS-style secret that a login needs (the role secrets have the same shape). */
const rdsSecretSchema = z.object({
  host: z.string().min(1),
  port: z.union([z.number(), z.string().regex(/^\d+$/)]).transform(Number).optional(),
  username: z.string().min(1),
  password: z.string().min(1),
  dbname: z.string().min(1).optional(),
});
export type RdsSecret = z.infer<typeof rdsSecretSchema>;

/** Validates a secret's JSON; the error names the variable and the missing fields, never values. */
export function parseRdsSecret(value: unknown, variable: string): RdsSecret {
  const parsed = rdsSecretSchema.safeParse(value);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || 'JSON object'))].join(', ');
    throw new DatabaseConfigError(`${variable} does not hold an RDS secret: bad or missing ${fields}`);
  }
  return parsed.data;
}

/** The current value of a secret: cached for an hour per container, or fetched afresh. */
export async function fetchRdsSecret(arn: string, variable: string, { refresh = false }: { refresh?: boolean } = {}): Promise<RdsSecret> {
  return parseRdsSecret(await getSecret(arn, { transform: 'json', maxAge: 3600, forceFetch: refresh }), variable);
}

/** Connection settings (no pool settings) from a parsed configuration and, in AWS, its secret. */
export function connectionFromConfig(config: DatabaseEnv, secret?: RdsSecret): PoolConfig {
  if (config.DATABASE_URL) return { connectionString: config.DATABASE_URL };
  if (!secret) throw new DatabaseConfigError('DB_SECRET_ARN is set but its secret was not read');
  const host = config.DB_HOST ?? secret.host;
  return {
    host,
    port: secret.port ?? 5432,
    user: secret.username,
    password: secret.password,
    database: config.DB_NAME ?? secret.dbname ?? 'postgres',
    ssl: { rejectUnauthorized: true, servername: host },
  };
}

/** Where to connect: DATABASE_URL, or the secret of DB_SECRET_ARN (re-fetched when `refreshSecret`). */
export async function resolveConnectionConfig(
  env: NodeJS.ProcessEnv = process.env,
  { refreshSecret = false }: { refreshSecret?: boolean } = {},
): Promise<PoolConfig> {
  const config = readDatabaseConfig(env);
  if (config.DATABASE_URL || !config.DB_SECRET_ARN) return connectionFromConfig(config);
  return connectionFromConfig(config, await fetchRdsSecret(config.DB_SECRET_ARN, 'DB_SECRET_ARN', { refresh: refreshSecret }));
}

/** Pool settings of the configuration (pool.ts may take these instead of parsing the variables). */
export function poolSettings(config: DatabaseEnv): Pick<PoolConfig, 'max' | 'connectionTimeoutMillis' | 'statement_timeout' | 'query_timeout'> {
  return {
    max: config.DB_POOL_MAX,
    connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
    statement_timeout: config.DB_STATEMENT_TIMEOUT_MS,
    // The client gives up a little after the server would have cancelled the statement.
    query_timeout: config.DB_STATEMENT_TIMEOUT_MS + 1_000,
  };
}
