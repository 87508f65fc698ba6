/**
 * What the migrate function does, apart from Lambda: log in as the master user, apply the
 * migrations, then give orders_writer and orders_reader LOGIN and the passwords their own
 * secrets hold now (read afresh each run, so a password rotated since the last deploy stays valid).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { ConfigError } from '../../shared/config.js';
import { connectionFromConfig, fetchRdsSecret, type DatabaseEnv, type RdsSecret } from '../../shared/db/config.js';
import { classifyError, isLoginRefused } from '../../shared/db/errors.js';
import { migrateUp, setRolePasswords, type RuntimeRole } from '../../shared/db/migrate.js';

export interface RetryOptions {
  /** Waits before the 2nd, 3rd, ... attempt; the number of attempts is one more. */
  delaysMs?: readonly number[];
  wait?: (ms: number) => Promise<unknown>;
}

/**
 * Connects with `open(refresh)`; after a rejected password, asks again with refresh = true
 * (bypassing the secret cache) after a growing wait: the first rotation of the master secret
 * may change the password between our read of the secret and our login. AWS: "there is a short
 * period of time between when the password in the database changes and when the secret is
 * updated ... You can mitigate this risk with an appropriate retry strategy"
 * (docs.aws.amazon.com/secretsmanager/latest/userguide/rotation-strategy.html). Other errors throw at once.
 */
export async function connectRetryingPassword<T>(
  open: (refresh: boolean) => Promise<T>,
  { delaysMs = [1_000, 2_000, 4_000, 8_000], wait = sleep }: RetryOptions = {},
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await open(attempt > 0);
    } catch (error) {
      const delay = delaysMs[attempt];
      // `credentials` (shared/db/errors.ts): 28P01 invalid_password.
      if (classifyError(error) !== 'credentials' || delay === undefined) throw error;
      await wait(delay);
    }
  }
}

type SecretReader = (arn: string, variable: string, options: { forceFetch: boolean }) => Promise<RdsSecret>;

const ROLE_SECRETS = [
  ['orders_writer', 'DB_WRITER_SECRET_ARN'],
  ['orders_reader', 'DB_READER_SECRET_ARN'],
] as const satisfies ReadonlyArray<readonly [RuntimeRole, keyof DatabaseEnv]>;

/**
 * The roles' current passwords from their secrets. In AWS (master login from DB_SECRET_ARN) both
 * secrets are required: without them the runtime functions could not log in. Locally, none is.
 */
export async function readRolePasswords(
  config: DatabaseEnv,
  readSecret: SecretReader = fetchRdsSecret,
): Promise<Partial<Record<RuntimeRole, string>>> {
  const missing = ROLE_SECRETS.filter(([, variable]) => !config[variable]).map(([, variable]) => variable);
  if (!config.DATABASE_URL && missing.length > 0)
    throw new ConfigError(`the migrate function needs ${missing.join(' and ')} (the runtime roles' secrets)`);
  const passwords: Partial<Record<RuntimeRole, string>> = {};
  for (const [role, variable] of ROLE_SECRETS) {
    const arn = config[variable];
    if (!arn) continue;
    const secret = await readSecret(arn, variable, { forceFetch: true });
    if (secret.username !== role) throw new ConfigError(`${variable} must hold the credentials of ${role}`);
    passwords[role] = secret.password;
  }
  return passwords;
}

export interface RunMigrationsOptions {
  config: DatabaseEnv;
  dir: string;
  log?: (message: string) => void;
  readSecret?: SecretReader;
  retry?: RetryOptions;
}

export interface MigrationRun {
  applied: string[];
  /** The roles whose password was set (never the passwords). */
  rolesWithPassword: RuntimeRole[];
}

/** A session as the master user, straight to the instance (DB_HOST's proxy would not keep the advisory lock's session). */
async function openMasterSession(config: DatabaseEnv, readSecret: SecretReader, refresh: boolean): Promise<pg.Client> {
  const master =
    config.DATABASE_URL || !config.DB_SECRET_ARN
      ? undefined
      : await readSecret(config.DB_SECRET_ARN, 'DB_SECRET_ARN', { forceFetch: refresh });
  const client = new pg.Client({
    ...connectionFromConfig({ ...config, DB_HOST: undefined }, master),
    application_name: 'order-pipeline-migrate',
  });
  await client.connect().catch(async (error: unknown) => {
    await client.end().catch(() => undefined);
    throw error;
  });
  return client;
}

/** The roles of `passwords` that do not log in with theirs, tried on the master session's server and database. */
async function rolesThatCannotLogIn(
  master: pg.Client,
  passwords: Partial<Record<RuntimeRole, string>>,
): Promise<Partial<Record<RuntimeRole, string>>> {
  const stale: Partial<Record<RuntimeRole, string>> = {};
  for (const [role, password] of Object.entries(passwords) as Array<[RuntimeRole, string]>) {
    const { host, port, database, ssl } = master;
    const client = new pg.Client({ host, port, database, ssl, user: role, password, application_name: 'order-pipeline-migrate' });
    try {
      await client.connect();
    } catch (error) {
      if (!isLoginRefused(error)) throw error;
      stale[role] = password;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return stale;
}

export async function runMigrations({ config, dir, log, readSecret = fetchRdsSecret, retry }: RunMigrationsOptions): Promise<MigrationRun> {
  // The role secrets first: a missing or wrong one fails the deploy before anything changes.
  const passwords = await readRolePasswords(config, readSecret);
  const client = await connectRetryingPassword((refresh) => openMasterSession(config, readSecret, refresh), retry);
  try {
    const applied = await migrateUp({ connection: client, dir, log });
    // After the migrations (which create the roles), outside their transaction. Only roles that
    // cannot log in with their secret's password get it: a deploy during a rotation (new password
    // set, secret not yet promoted) then cannot put the previous password back.
    const stale = await rolesThatCannotLogIn(client, passwords);
    const rolesWithPassword = await setRolePasswords(client, stale);
    return { applied, rolesWithPassword };
  } finally {
    await client.end();
  }
}
