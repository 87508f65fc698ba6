/**
 * The outage budget (docs/ingest.md) end to end with scaled-down timings: a real broker, the
 * event-source mapping emulator, the ingest handler and a real PostgreSQL that is stopped for
 * 30 s. An outage shorter than (retryAttempts + 1) × budget is survived with nothing in the DLQ;
 * a longer one sends records to the DLQ, and nothing is lost (they are there).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EmulatorOptions } from '../../local/emulators/esm/emulator.js';
import { explain, readableOrderUid } from '../../local/tools/dlq.js';
import { planRecords, sendRecords } from '../../local/tools/produce.js';
import type { LocalPostgres } from '../../local/services/postgres.js';
import { startPrivatePostgres, withClient } from '../support/database.js';
import { createTestTopics, readDlq, startTestKafka, type TestKafka, waitForCaughtUp } from '../support/kafka.js';

const OUTAGE_MS = 30_000;
let kafka: TestKafka;
let postgres: LocalPostgres;

beforeAll(async () => {
  [kafka, postgres] = await Promise.all([startTestKafka(), startPrivatePostgres('orders-e2e-outage-')]);
  vi.stubEnv('DATABASE_URL', postgres.url);
});

afterAll(async () => {
  await kafka?.destroy();
  await postgres?.destroy();
  vi.unstubAllEnvs();
});

/** A fresh ingest function (a cold start) with the given outage budget, and its emulator. */
async function pipeline(budgetSeconds: number, options: Partial<EmulatorOptions>) {
  vi.resetModules();
  vi.stubEnv('INGEST_OUTAGE_BUDGET_SECONDS', String(budgetSeconds));
  const [{ handler }, { startEmulator }, { closePool }] = await Promise.all([
    import('../../functions/ingest/handler.js'),
    import('../../local/emulators/esm/emulator.js'),
    import('../../shared/db/pool.js'),
  ]);
  const topics = await createTestTopics(kafka.brokers, 3);
  const emulator = await startEmulator({
    brokers: kafka.brokers,
    handler,
    ...topics,
    log: () => {},
    functionTimeoutMs: 60_000,
    ...options,
  });
  return { topics, emulator, closePool };
}

async function storedUids(): Promise<Map<string, number>> {
  return withClient(postgres.url, async (client) => {
    const { rows } = await client.query<{ order_uid: string; n: string }>('SELECT order_uid, count(*) AS n FROM orders GROUP BY order_uid');
    return new Map(rows.map((row) => [row.order_uid, Number(row.n)]));
  });
}

/** Sends `count` orders at `rate`/s and stops PostgreSQL for OUTAGE_MS once some are stored. */
async function sendThroughOutage(topic: string, count: number, seed: number) {
  const records = planRecords({ count, seed });
  const before = (await storedUids()).size;
  const sending = sendRecords(records, { brokers: [kafka.brokers], topic, client: {}, rate: 40 });
  while ((await storedUids()).size < before + 40) await delay(200);
  await postgres.stop();
  await delay(OUTAGE_MS);
  await postgres.start();
  await sending;
  return records.map((record) => record.key);
}

describe('ingest during a 30 s database outage (scaled-down timings)', () => {
  it('stores every order once and sends nothing to the DLQ when the outage is within (retries + 1) × budget', async () => {
    // (3 + 1) × 20 s = 80 s > 30 s.
    const { topics, emulator, closePool } = await pipeline(20, {
      maxRetryAttempts: 3,
      backoff: { initialMs: 500, multiplier: 2, maxMs: 2_000 },
    });
    try {
      const uids = await sendThroughOutage(topics.topic, 1_600, 31);
      await waitForCaughtUp(kafka.brokers, topics.groupId, topics.topic, 240_000);
      const stored = await storedUids();
      expect(uids.filter((uid) => stored.get(uid) !== 1)).toEqual([]);
      expect(await readDlq(kafka.brokers, topics.dlqTopic)).toEqual([]);
      expect(emulator.stats.recordsToDlq).toBe(0);
      // One invocation's budget (20 s) is shorter than the outage: the mapping's retries carried the rest.
      expect(emulator.stats.functionErrors).toBeGreaterThan(0);
    } finally {
      await emulator.stop();
      await closePool();
    }
  });

  it('sends records to the DLQ, and loses none, when budget and retries are too small for the outage', async () => {
    // (1 + 1) × 1 s + 0.1 s of backoff ≪ 30 s.
    const { topics, emulator, closePool } = await pipeline(1, {
      maxRetryAttempts: 1,
      bisectOnError: false,
      backoff: { initialMs: 100, multiplier: 1, maxMs: 100 },
    });
    try {
      const uids = await sendThroughOutage(topics.topic, 1_600, 32);
      await waitForCaughtUp(kafka.brokers, topics.groupId, topics.topic, 240_000);
      const stored = await storedUids();
      const dlq = await readDlq(kafka.brokers, topics.dlqTopic);
      const inDlq = new Set(dlq.map((entry) => readableOrderUid(entry)));
      expect(dlq.length).toBeGreaterThan(0);
      // Nothing lost: each order is stored once or waits in the DLQ, as a valid order a re-drive stores.
      expect(uids.filter((uid) => stored.get(uid) !== 1 && !inDlq.has(uid))).toEqual([]);
      expect([...stored.values()].every((count) => count === 1)).toBe(true);
      expect(dlq.every((entry) => explain(entry).startsWith('a valid order now'))).toBe(true);
      expect(dlq.every((entry) => entry.condition === 'RetriesExhausted')).toBe(true);
    } finally {
      await emulator.stop();
      await closePool();
    }
  });
});
