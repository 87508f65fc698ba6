/**
 * The one mapping of library errors (shared/error-mapping.ts), one test per kind, with the errors
 * the libraries really raise: pg's from the test kit's PostgreSQL (through the pool, the edge
 * where they enter), the AWS SDK's from a real SecretsManagerClient talking to a local HTTP server
 * that answers as the service does (the service itself cannot exist here), kafkajs' from a real
 * client connecting to a closed port and its exported error classes.
 */
import http from 'node:http';
import type net from 'node:net';
import {
  DecryptionFailure,
  GetSecretValueCommand,
  InternalServiceError,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  Kafka,
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  logLevel,
} from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../local/services/postgres.js';
import { classifyError, describeError, toPipelineError } from '../../shared/error-mapping.js';
import { MappedError, PipelineError } from '../../shared/errors.js';
import { createDatabase, type Database } from '../../shared/db/pool.js';
import { useTestDatabase } from '../support/database.js';

const database = useTestDatabase();
const opened: Database[] = [];
afterAll(() => Promise.all(opened.map((db) => db.close())));

/** A pool as a function has it (shared/db/pool.ts), under an application_name to find its backend by. */
function pool(url: string, applicationName = 'error-mapping-test'): Database {
  const db = createDatabase({ DATABASE_URL: url, AWS_LAMBDA_FUNCTION_NAME: applicationName });
  opened.push(db);
  return db;
}

const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );

/** The mapped error the pool threw, and the pg error underneath it. */
function mapped(error: unknown): { error: MappedError; cause: Error & { code?: string } } {
  expect(error).toBeInstanceOf(MappedError);
  return { error: error as MappedError, cause: (error as MappedError).cause as Error & { code?: string } };
}

describe('pg errors, mapped where they enter (the pool)', () => {
  it('data: 23505 unique violation and 22P02 invalid text, with SQLSTATE and constraint copied, not the message', async () => {
    const db = pool(database.url);
    await db.query({ text: 'CREATE TABLE mapping_unique (id int CONSTRAINT mapping_unique_pkey PRIMARY KEY)' });
    await db.query({ text: 'INSERT INTO mapping_unique VALUES (1)' });
    const unique = mapped(await failure(db.query({ text: 'INSERT INTO mapping_unique VALUES (1)' })));
    expect(unique.cause).toBeInstanceOf(pg.DatabaseError);
    expect(unique.error).toMatchObject({ kind: 'data', retryable: false, code: '23505', constraint: 'mapping_unique_pkey' });

    const text = mapped(await failure(db.query({ text: "SELECT 'Zelda Quix'::int" })));
    expect(text.cause).toBeInstanceOf(pg.DatabaseError);
    expect(text.error).toMatchObject({ kind: 'data', code: '22P02' });
    expect(text.cause.message).toContain('Zelda');
    expect(text.error.message).not.toContain('Zelda');
    expect(JSON.stringify(describeError(text.error))).not.toContain('Zelda');
  });

  it('conflict: 40P01 deadlock between two transactions', async () => {
    await database.sql.query('CREATE TABLE mapping_deadlock (id int PRIMARY KEY); INSERT INTO mapping_deadlock VALUES (1), (2)');
    const clients = [new pg.Client({ connectionString: database.url }), new pg.Client({ connectionString: database.url })];
    const [a, b] = clients as [pg.Client, pg.Client];
    try {
      await Promise.all(clients.map((client) => client.connect()));
      // Superuser only: the deadlock is found sooner than after the default second.
      await Promise.all(clients.map((client) => client.query("SET deadlock_timeout = '50ms'")));
      await a.query('BEGIN; UPDATE mapping_deadlock SET id = id WHERE id = 1');
      await b.query('BEGIN; UPDATE mapping_deadlock SET id = id WHERE id = 2');
      // Each now waits for the row the other holds, whichever statement arrives first.
      const outcomes = await Promise.allSettled([
        a.query('UPDATE mapping_deadlock SET id = id WHERE id = 2'),
        b.query('UPDATE mapping_deadlock SET id = id WHERE id = 1'),
      ]);
      const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(rejected).toHaveLength(1);
      const deadlock = (rejected[0] as PromiseRejectedResult).reason as unknown;
      expect(deadlock).toBeInstanceOf(pg.DatabaseError);
      expect(toPipelineError(deadlock)).toMatchObject({ kind: 'conflict', retryable: true, code: '40P01' });
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  });

  it('credentials: 28P01 for a wrong password, and the pool drops itself to re-read the secret', async () => {
    const url = new URL(database.url);
    url.password = 'not-the-password';
    const db = pool(url.toString());
    const before = await db.pool();
    const refused = mapped(await failure(db.query({ text: 'SELECT 1' })));
    expect(refused.cause).toBeInstanceOf(pg.DatabaseError);
    expect(refused.error).toMatchObject({ kind: 'credentials', retryable: true, code: '28P01' });
    expect(await db.pool()).not.toBe(before);
  });

  it('unavailable: 57P01 when an administrator ends the backend mid-statement', async () => {
    const applicationName = `error-mapping-57p01-${process.pid}`;
    const db = pool(database.url, applicationName);
    const sleeping = failure(db.query({ text: 'SELECT pg_sleep(600)' }));
    const active = `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'`;
    const pid = await vi.waitFor(
      async () => {
        const [row] = (await database.sql.query<{ pid: number }>(active, [applicationName])).rows;
        if (!row) throw new Error('the statement is not running yet');
        return row.pid;
      },
      { timeout: 30_000, interval: 20 },
    );
    await database.sql.query('SELECT pg_terminate_backend($1)', [pid]);
    const ended = mapped(await sleeping);
    expect(ended.cause).toBeInstanceOf(pg.DatabaseError);
    expect(ended.error).toMatchObject({ kind: 'unavailable', retryable: true, code: '57P01' });
  });

  it('unavailable: ECONNREFUSED from a closed port (a Node system error, no SQLSTATE)', async () => {
    const url = new URL(database.url);
    url.port = String(await freePort());
    const refused = mapped(await failure(pool(url.toString()).query({ text: 'SELECT 1' })));
    expect(refused.error).toMatchObject({ kind: 'unavailable', code: 'ECONNREFUSED' });
  });

  it('defect: 42P01 undefined table (a bug or a missing migration)', async () => {
    const missing = mapped(await failure(pool(database.url).query({ text: 'SELECT * FROM no_such_table' })));
    expect(missing.cause).toBeInstanceOf(pg.DatabaseError);
    expect(missing.error).toMatchObject({ kind: 'defect', retryable: false, code: '42P01' });
    expect(describeError(missing.error)).toEqual({ error_kind: 'defect', error_name: 'error', code: '42P01' });
  });
});

describe('AWS SDK errors (Secrets Manager), as the SDK builds them from the answers', () => {
  let server: http.Server;
  let endpoint: string;
  /** What the local server answers next; `undefined`: never answer (the request times out). */
  let answer: { status: number; type: string } | undefined;
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        if (!answer) return;
        response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'test' });
        response.end(JSON.stringify({ __type: answer.type, message: 'as the service says it' }));
      });
    });
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const read = (at = endpoint, requestTimeout = 30_000) =>
    failure(
      new SecretsManagerClient({
        endpoint: at,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
        requestHandler: { requestTimeout, throwOnRequestTimeout: true },
      }).send(new GetSecretValueCommand({ SecretId: 'orders/db' })),
    );

  const answeredWith = (status: number, type: string) => {
    answer = { status, type };
    return read();
  };

  // A ThrottlingException (a 4xx) and the SDK's TimeoutError carry no flag of their own: the secret
  // reader (shared/db/secrets.ts), where the SDK is loaded, records the SDK's retry judgement on them
  // as `$retryable`; test/integration/db-secrets.test.ts holds them unavailable through that reader.
  it('unavailable: InternalServiceError ($fault server), a refused connection; a throttle once the SDK judged it retryable', async () => {
    const internal = await answeredWith(500, 'InternalServiceError');
    expect(internal).toBeInstanceOf(InternalServiceError);
    const refused = await read(`http://127.0.0.1:${await freePort()}`);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    const throttled = await answeredWith(400, 'ThrottlingException');
    expect(throttled).toMatchObject({ name: 'ThrottlingException', $fault: 'client' });
    Object.assign(throttled as object, { $retryable: { throttling: true } });
    for (const error of [internal, refused, throttled]) {
      expect(toPipelineError(error)).toMatchObject({ kind: 'unavailable', retryable: true });
    }
  });

  it('defect: ResourceNotFoundException, DecryptionFailure, AccessDeniedException (misconfigurations a retry does not mend)', async () => {
    const notFound = await answeredWith(400, 'ResourceNotFoundException');
    expect(notFound).toBeInstanceOf(ResourceNotFoundException);
    const undecryptable = await answeredWith(400, 'DecryptionFailure');
    expect(undecryptable).toBeInstanceOf(DecryptionFailure);
    const denied = await answeredWith(400, 'AccessDeniedException');
    expect(denied).toMatchObject({ name: 'AccessDeniedException', $fault: 'client' });
    for (const error of [notFound, undecryptable, denied]) {
      expect(toPipelineError(error)).toMatchObject({ kind: 'defect', retryable: false });
    }
    expect(describeError(denied)).toEqual({ error_kind: 'defect', error_name: 'AccessDeniedException' });
  });
});

// kafkajs' typings declare one parameter; its retrier passes the cause as the second (retry/index.js).
const NonRetriable = KafkaJSNonRetriableError as unknown as new (
  error: Error | string,
  options?: { cause?: Error },
) => Error & { retriable: boolean };

describe('kafkajs errors', () => {
  it('unavailable: a real client refused by a closed port; the connection, timeout and retries-exhausted classes', async () => {
    const kafka = new Kafka({
      brokers: [`127.0.0.1:${await freePort()}`],
      clientId: 'error-mapping-test',
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    const refused = await failure(producer.connect());
    expect((refused as Error).name).toMatch(/^KafkaJS/);
    expect(classifyError(refused)).toBe('unavailable');
    await producer.disconnect();

    const connection = new KafkaJSConnectionError('Connection error', { broker: '127.0.0.1:9092' });
    const exhausted = new KafkaJSNumberOfRetriesExceeded(connection, { retryCount: 2, retryTime: 1000 });
    expect(exhausted.retriable).toBe(false); // kafkajs itself will not retry, but a later call can succeed
    // What producer.send throws once a broker it was connected to has gone: kafkajs' outer retrier
    // wraps the inner one's exhausted retries, with the connection error as its cause (retry/index.js).
    const gaveUp = new NonRetriable(exhausted, { cause: connection });
    expect(gaveUp.retriable).toBe(false);
    for (const error of [connection, exhausted, gaveUp, new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out')]) {
      expect(toPipelineError(error)).toMatchObject({ kind: 'unavailable', retryable: true });
    }
  });

  it('defect: a refused SASL login (not retriable: an IAM policy or a wrong mechanism)', () => {
    // kafkajs' typings declare no parameter, but the class (as kafkajs throws it) needs its message.
    const SaslError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
    const refused = new SaslError('SASL OAUTHBEARER authentication failed');
    expect(refused).toMatchObject({ name: 'KafkaJSSASLAuthenticationError', retriable: false });
    expect(toPipelineError(refused)).toMatchObject({ kind: 'defect', retryable: false });
    // The retrier's wrapper of a refused login, and one kafkajs raises for a bad argument (no cause).
    expect(toPipelineError(new NonRetriable(refused, { cause: refused }))).toMatchObject({ kind: 'defect' });
    expect(toPipelineError(new NonRetriable('Invalid topics array'))).toMatchObject({ kind: 'defect' });
  });
});

describe('toPipelineError', () => {
  it('returns ours as they are, and is idempotent', () => {
    const ours = new PipelineError('conflict', 'ours');
    expect(toPipelineError(ours)).toBe(ours);
    const once = toPipelineError(new TypeError('x is undefined'));
    expect(toPipelineError(once)).toBe(once);
    expect(once).toMatchObject({ kind: 'defect', name: 'MappedError' });
  });
});
