/**
 * The database concern's configuration, from the environment, in one schema:
 *  - DATABASE_URL: a postgres:// URL (local runs, tests; `?sslmode=` as libpq understands it);
 *    it wins over DB_SECRET_ARN;
 *  - DB_SECRET_ARN: the Secrets Manager secret the function logs in with ({ host, port,
 *    username, password, dbname, ... } as RDS writes it): the master secret for the migrate
 *    function, the function's own role secret for the others. Fetched once per container and
 *    cached. TLS is required and verified: the Lambda Node.js runtime trusts the RDS CA bundle
 *    when NODE_EXTRA_CA_CERTS points at it (the infra sets it);
 *  - DB_SSLMODE: `verify-full` (default: TLS, certificate and host name verified) or `disable`
 *    (no TLS: a local database of one's own that has none); for the secret's connection only,
 *    DATABASE_URL says its own `?sslmode=`;
 *  - DB_HOST: an RDS Proxy endpoint in front of the instance; DB_NAME: the database;
 *  - DB_POOL_MAX, DB_CONNECT_TIMEOUT_MS, DB_STATEMENT_TIMEOUT_MS: pool size and timeouts;
 *  - DB_WRITER_SECRET_ARN, DB_READER_SECRET_ARN: the migrate function only, the secrets whose
 *    passwords it gives to orders_writer and orders_reader.
 * readDatabaseConfig parses without I/O and names every bad variable in one error (never the
 * value of DATABASE_URL, which may hold a password); the pool reads it when it is created (the
 * first invocation of a container).
 */
import type { PoolConfig } from 'pg';
import * as z from 'zod';
import { blankAsAbsent, ConfigError, type Env, readEnv, wholeNumber } from '../config.js';
import { getSecretString } from './secrets-manager.js';

/** The name the database's configuration errors had before all concerns shared ConfigError. */
export { ConfigError as DatabaseConfigError };

// The ARN of a secret in any partition (aws, aws-cn, aws-us-gov, ...).
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/;

const secretArn = z.preprocess(
  blankAsAbsent,
  z.string().regex(SECRET_ARN, 'must be the ARN of a Secrets Manager secret (arn:aws:secretsmanager:...)').optional(),
);
const name = z.preprocess(blankAsAbsent, z.string().optional());

const databaseUrl = z.preprocess(
  blankAsAbsent,
  z
    .string()
    .refine((value) => {
      try {
        return ['postgres:', 'postgresql:'].includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, 'must be a postgres:// or postgresql:// URL')
    .optional(),
);

const databaseEnvSchema = z.object({
  DATABASE_URL: databaseUrl,
  DB_SECRET_ARN: secretArn,
  DB_SSLMODE: z.preprocess(
    blankAsAbsent,
    z.enum(['verify-full', 'disable'], { error: 'must be "verify-full" (the default) or "disable"' }).default('verify-full'),
  ),
  DB_HOST: name,
  DB_NAME: name,
  DB_POOL_MAX: wholeNumber({ min: 1, max: 100, fallback: 2 }),
  DB_CONNECT_TIMEOUT_MS: wholeNumber({ min: 100, max: 120_000, fallback: 5_000 }),
  DB_STATEMENT_TIMEOUT_MS: wholeNumber({ min: 100, max: 900_000, fallback: 15_000 }),
  DB_WRITER_SECRET_ARN: secretArn,
  DB_READER_SECRET_ARN: secretArn,
});

export type DatabaseEnv = z.infer<typeof databaseEnvSchema>;

/** Checked apart from the schema so that it is reported together with any other problem. */
function somewhereToConnect(env: Env) {
  if (blankAsAbsent(env.DATABASE_URL) !== undefined || blankAsAbsent(env.DB_SECRET_ARN) !== undefined) return [];
  return [{ name: 'DATABASE_URL', message: 'set DATABASE_URL (local) or DB_SECRET_ARN (AWS) to reach the database' }];
}

/** Parses the database variables of `env`; throws one ConfigError naming each bad one. */
export function readDatabaseConfig(env: Env = process.env): DatabaseEnv {
  return readEnv('database', databaseEnvSchema, env, { secret: ['DATABASE_URL'], check: somewhereToConnect });
}

/** The fields of an RDS-style secret that a login needs (the role secrets have the same shape). */
const rdsSecretSchema = z.object({
  host: z.string().min(1),
  port: z
    .union([z.number(), z.string().regex(/^\d+$/)])
    .transform(Number)
    .optional(),
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
    throw new ConfigError(`${variable} does not hold an RDS secret: bad or missing ${fields}`);
  }
  return parsed.data;
}

/** Secrets read by this container, by ARN, with when they were read (an hour's cache, as Powertools Parameters kept). */
const secretCache = new Map<string, { value: string; readAt: number }>();
const SECRET_MAX_AGE_MS = 3_600_000;

/** The current value of a secret: cached for an hour per container, or fetched afresh. */
export async function fetchRdsSecret(arn: string, variable: string, { refresh = false }: { refresh?: boolean } = {}): Promise<RdsSecret> {
  const cached = secretCache.get(arn);
  let text = cached && !refresh && Date.now() - cached.readAt < SECRET_MAX_AGE_MS ? cached.value : undefined;
  if (text === undefined) {
    text = await getSecretString(arn);
    secretCache.set(arn, { value: text, readAt: Date.now() });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(`${variable} does not hold an RDS secret: its value is not JSON`);
  }
  return parseRdsSecret(value, variable);
}

/** Connection settings (no pool settings) from a parsed configuration and, in AWS, its secret. */
export function connectionFromConfig(config: DatabaseEnv, secret?: RdsSecret): PoolConfig {
  if (config.DATABASE_URL) return { connectionString: config.DATABASE_URL };
  if (!secret) throw new ConfigError('DB_SECRET_ARN is set but its secret was not read');
  const host = config.DB_HOST ?? secret.host;
  return {
    host,
    port: secret.port ?? 5432,
    user: secret.username,
    password: secret.password,
    database: config.DB_NAME ?? secret.dbname ?? 'postgres',
    ssl: config.DB_SSLMODE === 'disable' ? false : { rejectUnauthorized: true, servername: host },
  };
}

/** Where to connect: DATABASE_URL, or the secret of DB_SECRET_ARN (re-fetched when `refreshSecret`). */
export async function resolveConnectionConfig(
  config: DatabaseEnv,
  { refreshSecret = false }: { refreshSecret?: boolean } = {},
): Promise<PoolConfig> {
  if (config.DATABASE_URL || !config.DB_SECRET_ARN) return connectionFromConfig(config);
  return connectionFromConfig(config, await fetchRdsSecret(config.DB_SECRET_ARN, 'DB_SECRET_ARN', { refresh: refreshSecret }));
}

/** Pool settings of the configuration. */
export function poolSettings(
  config: DatabaseEnv,
): Pick<PoolConfig, 'max' | 'connectionTimeoutMillis' | 'statement_timeout' | 'query_timeout'> {
  return {
    max: config.DB_POOL_MAX,
    connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
    statement_timeout: config.DB_STATEMENT_TIMEOUT_MS,
    // The client gives up a little after the server would have cancelled the statement.
    query_timeout: config.DB_STATEMENT_TIMEOUT_MS + 1_000,
  };
}
