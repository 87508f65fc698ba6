import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { PoolConfig } from 'pg';

/**
 * Where the database is, from the environment:
 *  - DATABASE_URL: a postgres:// URL (local runs, tests; `?sslmode=` as libpq understands it);
 *  - DB_SECRET_ARN: the Secrets Manager secret that RDS generates for the instance
 *    ({ host, port, username, password, dbname, ... }). It is fetched once per container and
 *    cached. TLS is required and verified: the Lambda Node.js runtime trusts the RDS CA bundle
 *    when NODE_EXTRA_CA_CERTS points at it (the infra sets it).
 */

/** The fields of an RDS-generated secret that a connection needs. */
interface RdsSecret {
  host: string;
  port?: number | string;
  username: string;
  password: string;
  dbname?: string;
}

export class DatabaseConfigError extends Error {
  override name = 'DatabaseConfigError';
}

function isRdsSecret(value: unknown): value is RdsSecret {
  const secret = value as Partial<RdsSecret> | null;
  return (
    typeof secret === 'object' &&
    secret !== null &&
    typeof secret.host === 'string' &&
    typeof secret.username === 'string' &&
    typeof secret.password === 'string'
  );
}

export async function resolveConnectionConfig(
  env: NodeJS.ProcessEnv = process.env,
  { refreshSecret = false }: { refreshSecret?: boolean } = {},
): Promise<PoolConfig> {
  if (env.DATABASE_URL) return { connectionString: env.DATABASE_URL };
  if (env.DB_SECRET_ARN) {
    // Cached by Powertools; a login rejected after a rotation asks for a fresh copy (pool.ts).
    const secret = await getSecret(env.DB_SECRET_ARN, { transform: 'json', maxAge: 3600, forceFetch: refreshSecret });
    if (!isRdsSecret(secret)) {
      throw new DatabaseConfigError('DB_SECRET_ARN does not hold an RDS secret (host, username, password)');
    }
    // DB_HOST: an RDS Proxy endpoint in front of the instance (same credentials, TLS required).
    const host = env.DB_HOST ?? secret.host;
    return {
      host,
      port: Number(secret.port ?? 5432),
      user: secret.username,
      password: secret.password,
      database: env.DB_NAME ?? secret.dbname ?? 'postgres',
      ssl: { rejectUnauthorized: true, servername: host },
    };
  }
  throw new DatabaseConfigError('set DATABASE_URL (local) or DB_SECRET_ARN (AWS) to reach the database');
}
