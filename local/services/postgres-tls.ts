/**
 * TLS for the local PostgreSQL, as RDS has it: a local certificate authority made once in the data
 * directory (tls/ca.crt, its key next to it) and a server certificate it signs for `localhost` and
 * 127.0.0.1, so that a client that verifies the server's name (shared/db/config.ts does, as it does
 * with RDS's CA bundle through NODE_EXTRA_CA_CERTS) accepts it. Made with the openssl CLI, which
 * Debian-like machines have; nothing here is a secret beyond this machine.
 */
import { spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PostgresLayout } from './postgres-layout.js';
import { LocalSetupError, telltaleLine } from './setup-error.js';

export interface ServerTls {
  /** The CA certificate clients trust (NODE_EXTRA_CA_CERTS, sslrootcert). */
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** The host name clients use: the certificate names it, and it resolves to the loopback the server listens on. */
export const TLS_HOST = 'localhost';
const DAYS = '3650';

function openssl(args: string[], cwd: string): void {
  const run = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (run.status === 0) return;
  const cause = run.error
    ? `could not run openssl: ${(run.error as NodeJS.ErrnoException).code ?? run.error.message}`
    : telltaleLine(run.stderr);
  throw new LocalSetupError(
    'PostgreSQL',
    `making its TLS certificate failed (${cause})`,
    'install the openssl command (apt-get install openssl), or set DATABASE_URL to a PostgreSQL you run yourself',
  );
}

/** The server's certificate files in `<data dir>/tls`, made on first use; the key readable by the server's user only. */
export async function ensureServerTls(layout: PostgresLayout): Promise<ServerTls> {
  const dir = join(layout.dataDir, 'tls');
  const files = { caFile: join(dir, 'ca.crt'), certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };
  if (Object.values(files).every((file) => existsSync(file))) return files;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', DAYS, '-subj', '/CN=order-pipeline local CA'], dir);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${TLS_HOST}`], dir);
  await writeFile(
    join(dir, 'server.ext'),
    `subjectAltName=DNS:${TLS_HOST},IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
  );
  const sign = ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', DAYS];
  openssl([...sign, '-extfile', 'server.ext', '-out', 'server.crt'], dir);
  // PostgreSQL refuses a key that others can read.
  await chmod(files.keyFile, 0o600);
  await chmod(dir, 0o755);
  if (layout.account) {
    await chown(dir, layout.account.uid, layout.account.gid);
    for (const file of Object.values(files)) await chown(file, layout.account.uid, layout.account.gid);
  }
  return files;
}

/**
 * pg_hba.conf for a server that requires TLS: TCP logins only over TLS (`hostssl`, never `host`),
 * password-checked (SCRAM). Written next to the data (the server reads it through hba_file).
 */
export async function writeTlsHbaFile(layout: PostgresLayout, required: boolean): Promise<string> {
  const file = join(layout.dataDir, 'tls', 'pg_hba.conf');
  const lines = ['hostssl all all 127.0.0.1/32 scram-sha-256', 'hostssl all all ::1/128 scram-sha-256'];
  if (!required) lines.push('host all all 127.0.0.1/32 scram-sha-256', 'host all all ::1/128 scram-sha-256');
  await writeFile(file, `# Written by local/services/postgres-tls.ts at each start.\n${lines.join('\n')}\n`);
  if (layout.account) await chown(file, layout.account.uid, layout.account.gid);
  return file;
}
