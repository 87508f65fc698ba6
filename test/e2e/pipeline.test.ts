/**
 * The whole local pipeline with real parts: a Kafka broker, the event-source mapping emulator
 * invoking the ingest function's bundle in execution environments of the local Lambda service (or,
 * as a child process that can really be SIGKILLed, the handler in that process) and PostgreSQL;
 * the read API's bundle behind the local API gateway.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { KafkaMskEventSchema } from '@aws-lambda-powertools/parser/schemas/kafka';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { handler } from '../../functions/ingest/handler.js';
import { type EmulatorOptions, type Invocation, startEmulator } from '../../local/emulators/esm/emulator.js';
import { startGateway } from '../../local/emulators/gateway.js';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { type PlannedRecord, planRecords, sendRecords } from '../../local/tools/produce.js';
import { explain, readableOrderUid } from '../../local/tools/dlq.js';
import { closePool } from '../../shared/db/pool.js';
import { createTestDatabase, startPrivatePostgres, withClient } from '../support/database.js';
import { createTestTopics, readDlq, startTestKafka, type TestKafka, waitForCaughtUp } from '../support/kafka.js';
import { startLocalFunctions } from '../support/lambda.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
let kafka: TestKafka;
let database: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  [kafka, database] = await Promise.all([startTestKafka(), createTestDatabase()]);
  vi.stubEnv('DATABASE_URL', database.url);
});

afterAll(async () => {
  await closePool();
  await database?.drop();
  await kafka?.destroy();
  vi.unstubAllEnvs();
});

/** How many rows each of the given order_uids has (absent uids: 0), and how many rows in all. */
async function storedCounts(url: string, uids: readonly string[]) {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ order_uid: string; n: string }>(
      'SELECT order_uid, count(*) AS n FROM orders WHERE order_uid = ANY($1) GROUP BY order_uid',
      [uids],
    );
    const total = await client.query<{ n: string }>('SELECT count(*) AS n FROM orders');
    return { byUid: new Map(rows.map((row) => [row.order_uid, Number(row.n)])), total: Number(total.rows[0]!.n) };
  });
}

async function storedRows(url: string): Promise<number> {
  return withClient(url, async (client) => Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM orders')).rows[0]!.n));
}

function expectations(records: readonly PlannedRecord[]) {
  const valid = [...new Set(records.filter((record) => record.kind === 'valid').map((record) => record.key))];
  const broken = records.filter((record) => record.kind !== 'valid' && record.kind !== 'duplicate');
  return { valid, broken };
}

/**
 * Every valid order stored exactly once, every broken one in the DLQ, nothing else in either.
 * After a crash the DLQ may hold a record twice: it was sent there but its offset not yet
 * committed, so it came again (at least once, like AWS); `dlqMayRepeat` allows exactly that.
 */
async function expectExactlyOnce(url: string, dlqTopic: string, records: readonly PlannedRecord[], { dlqMayRepeat = false } = {}) {
  const { valid, broken } = expectations(records);
  const { byUid, total } = await storedCounts(url, valid);
  expect(valid.filter((uid) => byUid.get(uid) !== 1)).toEqual([]);
  expect(total).toBe(valid.length);
  const dlq = await readDlq(kafka.brokers, dlqTopic);
  const dlqUids = dlq.map((entry) => readableOrderUid(entry) ?? '(unreadable)');
  const expected = broken.map((record) => record.key).sort();
  expect(dlqMayRepeat ? [...new Set(dlqUids)].sort() : dlqUids.sort()).toEqual(expected);
  return { valid, broken, dlq };
}

const emulatorFor = (topics: { topic: string; dlqTopic: string; groupId: string }, options: Partial<EmulatorOptions> = {}) =>
  startEmulator({ brokers: kafka.brokers, handler, ...topics, log: () => {}, ...options });

describe('local pipeline: Kafka → event-source mapping emulator → ingest handler → PostgreSQL', () => {
  it('stores 5,000 orders (5 % broken, 1 % duplicates) exactly once, sends each broken one to the DLQ with its reason, and serves them as produced', async () => {
    const topics = await createTestTopics(kafka.brokers);
    const records = planRecords({ count: 5_000, invalidShare: 0.05, duplicatesShare: 0.01, seed: 5 });
    const invocations: Invocation[] = [];
    const functions = await startLocalFunctions(database.url, kafka.brokers, { names: ['ingest', 'api', 'submit'], topic: topics.topic });
    onTestFinished(() => functions.service.close());
    // Two retries instead of ten: this test is about the outcome, the outage test about the defaults.
    const emulator = await emulatorFor(topics, {
      handler: functions.service.handler('ingest'),
      maxRetryAttempts: 2,
      onInvoke: (invocation) => invocations.push(invocation),
    });
    try {
      const sent = await sendRecords(records, { brokers: [kafka.brokers], topic: topics.topic, client: {} });
      expect(Object.values(sent.perPartition).filter((added) => added > 0)).toHaveLength(6);
      await waitForCaughtUp(kafka.brokers, topics.groupId, topics.topic);
    } finally {
      await emulator.stop();
    }
    // At AWS concurrency: more than one ingest environment ran.
    expect(functions.lines.filter((line) => line.startsWith('[ingest] REPORT') && line.includes('Init Duration')).length).toBeGreaterThan(
      1,
    );

    const { valid, broken, dlq } = await expectExactlyOnce(database.url, topics.dlqTopic, records);
    expect(valid.length).toBe(5_000 - 250 - 50);
    expect(broken).toHaveLength(250);

    // Each DLQ record keeps its payload and says where from and after how many attempts; the DLQ tool explains why.
    const byUid = new Map(broken.map((record) => [record.key, record]));
    const expectedReason = {
      not_json: /^not_json: /,
      missing_fields: /^invalid_order: .*\$\.payment/,
      money_mismatch: /^invalid_order: \$\.payment\.amount/,
    };
    for (const entry of dlq) {
      const record = byUid.get(readableOrderUid(entry)!)!;
      expect(entry.value?.toString('utf8')).toBe(record.value);
      expect(explain(entry)).toMatch(expectedReason[record.kind as keyof typeof expectedReason]);
      expect(entry.condition).toBe('RetriesExhausted');
      expect(entry.source.topic).toBe(topics.topic);
      expect(entry.source.offset).toBeGreaterThanOrEqual(0);
      expect(entry.attempts).toBe(3);
    }

    // Every event the emulator emitted is a valid MSK event by Powertools' own schema.
    expect(invocations.length).toBeGreaterThan(0);
    const invalidEvents = invocations.filter((invocation) => !KafkaMskEventSchema.safeParse(invocation.event).success);
    expect(invalidEvents).toHaveLength(0);
    expect(Math.max(...invocations.map((invocation) => invocation.records))).toBeLessThanOrEqual(100);

    // The read API returns what was produced, field for field.
    const invoke = (name: 'api' | 'submit') => functions.service.handler<APIGatewayProxyResultV2>(name);
    const gateway = await startGateway({ port: 0, functions: { api: invoke('api'), submit: invoke('submit') } });
    try {
      const sample = records.filter((record) => record.kind === 'valid').filter((_, index) => index % 470 === 0);
      expect(sample.length).toBeGreaterThanOrEqual(10);
      for (const record of sample) {
        const response = await fetch(`${gateway.url}/orders/${record.key}`);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual(record.order);
      }
    } finally {
      await gateway.close();
    }
  });

  it('still stores every order exactly once when the emulator process is SIGKILLed mid-stream and started again', async () => {
    const own = await createTestDatabase();
    const topics = await createTestTopics(kafka.brokers);
    const records = planRecords({ count: 4_000, invalidShare: 0.01, duplicatesShare: 0.01, seed: 7 });
    const startChild = () => spawnEmulator(topics, own.url);
    try {
      let child = await startChild();
      const sending = sendRecords(records, { brokers: [kafka.brokers], topic: topics.topic, client: {}, rate: 2_000 });
      try {
        await waitFor(async () => (await storedRows(own.url)) >= 500, 60_000, 'the first orders to be stored');
        await killChild(child);
        expect(await storedRows(own.url)).toBeLessThan(expectations(records).valid.length);
        child = await startChild();
        await sending;
        await waitForCaughtUp(kafka.brokers, topics.groupId, topics.topic);
      } finally {
        await sending.catch(() => undefined);
        await stopChild(child);
      }
      await expectExactlyOnce(own.url, topics.dlqTopic, records, { dlqMayRepeat: true });
    } finally {
      await own.drop();
    }
  });

  it('loses nothing, duplicates nothing and sends nothing valid to the DLQ when PostgreSQL stops for a few seconds (waited out inside the invocation)', async () => {
    const postgres = await startPrivatePostgres('orders-outage-pg-');
    try {
      await closePool();
      vi.stubEnv('DATABASE_URL', postgres.url);
      const topics = await createTestTopics(kafka.brokers);
      const records = planRecords({ count: 3_000, duplicatesShare: 0.01, seed: 9 });
      const functions = await startLocalFunctions(postgres.url, kafka.brokers);
      onTestFinished(() => functions.service.close());
      const emulator = await emulatorFor(topics, { handler: functions.service.handler('ingest') });
      try {
        const sending = sendRecords(records, { brokers: [kafka.brokers], topic: topics.topic, client: {}, rate: 1_000 });
        await waitFor(async () => (await storedRows(postgres.url)) >= 300, 60_000, 'the first orders to be stored');
        await postgres.stop();
        await delay(4_000);
        await postgres.start();
        await sending;
        await waitForCaughtUp(kafka.brokers, topics.groupId, topics.topic);
        // The ingest function waits for the database inside the invocation (outage budget): no function error at all.
        expect(emulator.stats.functionErrors).toBe(0);
      } finally {
        await emulator.stop();
      }
      const { dlq } = await expectExactlyOnce(postgres.url, topics.dlqTopic, records);
      expect(dlq).toEqual([]);
    } finally {
      await closePool();
      vi.stubEnv('DATABASE_URL', database.url);
      await postgres.destroy();
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await delay(100);
  }
}

/** `npm run esm:local` as a real child process (same Node, same tsx). Resolves once it consumes. */
async function spawnEmulator(topics: { topic: string; dlqTopic: string; groupId: string }, databaseUrl: string): Promise<ChildProcess> {
  const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const args = [
    tsx,
    'local/emulators/esm/cli.ts',
    '--brokers',
    kafka.brokers,
    '--topic',
    topics.topic,
    '--dlq-topic',
    topics.dlqTopic,
    '--group',
    topics.groupId,
    '--retries',
    '2',
    '--quiet',
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, POWERTOOLS_LOG_LEVEL: 'ERROR', POWERTOOLS_METRICS_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolveStart, rejectStart) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('esm: consuming')) resolveStart();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('exit', (code) => rejectStart(new Error(`the emulator exited (${code}) before consuming:\n${output}`)));
  });
  return child;
}

async function killChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGKILL');
  await exited;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGTERM');
  await exited;
}
