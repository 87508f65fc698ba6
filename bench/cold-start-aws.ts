/**
 * What the first invocation of a database function meets in AWS, for bench/cold-start.bench.ts:
 * its secret read from Secrets Manager, then a login over TLS verified against a CA bundle
 * (NODE_EXTRA_CA_CERTS), as the role the secret names.
 *
 *  - PostgreSQL: a private embedded server with TLS turned on (a throwaway CA and a certificate
 *    for `localhost`, made with the openssl command line), the migrated database `orders` (the
 *    name the stack gives DB_NAME) and the runtime roles' passwords set;
 *  - Secrets Manager: a stand-in HTTP endpoint that answers GetSecretValue (awsJson1_1) with the
 *    RDS-shaped secrets, reached through AWS_ENDPOINT_URL_SECRETS_MANAGER as the SDK (and the
 *    hand-written client of older bundles) reads it. Not LocalStack: the benchmark measures the
 *    function, and a stand-in answers in a constant, small time.
 */
import { execFile } from 'node:child_process';
import { chmod, chown, copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { createScratchDatabase, startPrivatePostgres, withClient } from '../test/support/database.js';

const run = promisify(execFile);
const ACCOUNT = '123456789012';
const arnOf = (name: string) => `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:${name}-AbCdEf`;

export interface AwsLikeDatabase {
  /** Superuser URL of the `orders` database (for the bench's own writes). */
  adminUrl: string;
  /** The variables a function needs to log in as `role` through its secret. */
  envFor(role: 'master' | 'orders_writer' | 'orders_reader'): Record<string, string>;
  close(): Promise<void>;
}

/** A CA and a server certificate for `localhost` signed by it, in `folder`. */
async function makeCertificates(folder: string): Promise<{ ca: string; cert: string; key: string }> {
  const file = (name: string) => join(folder, name);
  await writeFile(file('server.ext'), 'subjectAltName=DNS:localhost\n');
  const openssl = (args: string[]) => run('openssl', args, { cwd: folder });
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=bench CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  ]);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  await openssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'server.ext',
  ]);
  return { ca: file('ca.crt'), cert: file('server.crt'), key: file('server.key') };
}

/** Answers GetSecretValue for the secrets of `values` (by ARN), 400 ResourceNotFoundException for any other. */
function secretsManager(values: Map<string, string>): Promise<Server> {
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const { SecretId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId: string };
    const value = values.get(SecretId);
    const [status, body] = value
      ? [200, { ARN: SecretId, Name: SecretId.split(':').at(-1), VersionId: 'v1', SecretString: value, VersionStages: ['AWSCURRENT'] }]
      : [400, { __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." }];
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function awsLikeDatabase(): Promise<AwsLikeDatabase> {
  const folder = await mkdtemp(join(tmpdir(), 'order-pipeline-cold-tls-'));
  const certificates = await makeCertificates(folder);
  const server = await startPrivatePostgres('orders-bench-cold-', { migrate: false });
  // The server reads its key only if its own user owns it, mode 0600.
  const owner = await stat(server.dataDir);
  for (const [from, to] of [
    [certificates.cert, 'server.crt'],
    [certificates.key, 'server.key'],
  ] as const) {
    await copyFile(from, join(server.dataDir, to));
    await chown(join(server.dataDir, to), owner.uid, owner.gid);
    await chmod(join(server.dataDir, to), 0o600);
  }
  await withClient(server.url, async (client) => {
    await client.query("ALTER SYSTEM SET ssl_cert_file = 'server.crt'");
    await client.query("ALTER SYSTEM SET ssl_key_file = 'server.key'");
    await client.query("ALTER SYSTEM SET ssl = 'on'");
    await client.query('SELECT pg_reload_conf()');
  });
  const database = await createScratchDatabase(server.url, { name: 'orders' });
  const passwords = { master: 'postgres', orders_writer: 'bench-writer-Pa55', orders_reader: 'bench-reader-Pa55' } as const;
  await withClient(database.url, async (client) => {
    for (const role of ['orders_writer', 'orders_reader'] as const)
      await client.query(`ALTER ROLE ${role} LOGIN PASSWORD '${passwords[role]}'`);
  });
  const secret = (username: string, password: string) =>
    JSON.stringify({ engine: 'postgres', host: 'localhost', port: server.port, username, password, dbname: 'orders' });
  const values = new Map([
    [arnOf('master'), secret('postgres', passwords.master)],
    [arnOf('orders_writer'), secret('orders_writer', passwords.orders_writer)],
    [arnOf('orders_reader'), secret('orders_reader', passwords.orders_reader)],
  ]);
  // Proof that TLS is on and verifies against the CA, before any function relies on it.
  const probe = new pg.Client({
    host: 'localhost',
    port: server.port,
    user: 'postgres',
    password: 'postgres',
    database: 'orders',
    ssl: { ca: await readFile(certificates.ca, 'utf8') },
  });
  await probe.connect();
  await probe.end();
  const endpoint = await secretsManager(values);
  const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;
  return {
    adminUrl: database.url,
    envFor: (role) => ({
      DB_SECRET_ARN: arnOf(role),
      ...(role === 'master' ? { DB_WRITER_SECRET_ARN: arnOf('orders_writer'), DB_READER_SECRET_ARN: arnOf('orders_reader') } : {}),
      AWS_ENDPOINT_URL_SECRETS_MANAGER: url,
      NODE_EXTRA_CA_CERTS: certificates.ca,
    }),
    close: async () => {
      await new Promise((resolve) => endpoint.close(resolve));
      await server.destroy();
      await rm(folder, { recursive: true, force: true });
    },
  };
}
