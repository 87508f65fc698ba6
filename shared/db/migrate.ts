/**
 * Applies the plain-SQL migrations of migrations/ with node-pg-migrate: in order, each once,
 * in one transaction, under an advisory lock so that concurrent runs on one database (two
 * deploys, a deploy and a local start) wait for each other instead of racing. Then, separately,
 * the runtime roles that the migrations create get their passwords (setRolePasswords).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { PipelineError } from '../errors.js';

const MIGRATIONS_TABLE = 'pgmigrations';

/** The roles the runtime functions log in as (migrations/1763827200000_runtime-roles.sql). */
export const RUNTIME_ROLES = ['orders_writer', 'orders_reader'] as const;
export type RuntimeRole = (typeof RUNTIME_ROLES)[number];

export interface MigrateOptions {
  /** A URL or client settings (node-pg-migrate connects), or a connected client (the caller closes it). */
  connection: string | pg.ClientConfig | pg.ClientBase;
  /** Folder holding the .sql files; defaults to ./migrations of the working directory. */
  dir?: string;
  log?: (message: string) => void;
}

const isClient = (connection: MigrateOptions['connection']): connection is pg.ClientBase => connection instanceof pg.Client;

/** Returns the names of the migrations it applied (empty when the schema was current). */
export async function migrateUp({ connection, dir = 'migrations', log = () => {} }: MigrateOptions): Promise<string[]> {
  const applied = await runner({
    ...(isClient(connection) ? { dbClient: connection } : { databaseUrl: connection }),
    dir,
    direction: 'up',
    migrationsTable: MIGRATIONS_TABLE,
    singleTransaction: true,
    checkOrder: true,
    // node-pg-migrate 9 fails at once when another run holds the lock; wait for it instead.
    advisoryLockMode: 'wait',
    log,
  });
  return applied.map((migration) => migration.name);
}

/** A role password the migrations cannot set (a misconfigured secret). */
export class RolePasswordError extends PipelineError {
  override readonly name = 'RolePasswordError';
  constructor(message: string) {
    super('defect', message);
  }
}

const SCRAM_ITERATIONS = 4096;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802, RFC 7677; the format of
 * pg_authid.rolpassword). Sending the verifier rather than the password keeps the password out of
 * the server's statement log (log_statement = ddl logs ALTER ROLE) and out of pg_stat_activity.
 * SASLprep leaves printable ASCII unchanged; other characters would need its normalization, so
 * they are refused (Secrets Manager generates printable ASCII).
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16)): string {
  if (!PRINTABLE_ASCII.test(password)) throw new RolePasswordError('a role password must be non-empty printable ASCII');
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/**
 * Lets each given runtime role log in with the given password (its current secret value). Run it
 * as the user that ran the migrations (it created the roles, so it may alter them). ALTER ROLE
 * takes no bind parameters: the verifier is quoted with escapeLiteral, the role name is one of
 * RUNTIME_ROLES. The password itself never leaves this process.
 */
export async function setRolePasswords(client: pg.ClientBase, passwords: Partial<Record<RuntimeRole, string>>): Promise<RuntimeRole[]> {
  const roles = RUNTIME_ROLES.filter((role) => passwords[role] !== undefined);
  for (const role of roles) {
    const verifier = scramVerifier(passwords[role]!);
    await client.query(`ALTER ROLE ${pg.escapeIdentifier(role)} WITH LOGIN PASSWORD ${pg.escapeLiteral(verifier)}`);
  }
  return roles;
}
