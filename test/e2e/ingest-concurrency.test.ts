/**
 * Concurrent writers at AWS concurrency (issue 18, item 3): six partitions, a producer that does
 * not key by order_uid and every order sent three times, so the same orders reach different
 * partitions in different orders and concurrent invocations (each in its own execution
 * environment with its own pool) store overlapping orders at once. Every valid order is stored
 * once, nothing valid goes to the DLQ, and no invocation waits as if the database were down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESM_DEFAULTS, startEmulator } from '../../local/emulators/esm/emulator.js';
import { parseReport } from '../../local/emulators/lambda/report.js';
import { planRecords, sendRecords } from '../../local/tools/produce.js';
import { createTestDatabase, withClient } from '../support/database.js';
import { createTestTopics, readDlq, startTestKafka, type TestKafka, waitForCaughtUp } from '../support/kafka.js';
import { startIngestFunction } from '../support/lambda.js';

let kafka: TestKafka;
let database: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  [kafka, database] = await Promise.all([startTestKafka(), createTestDatabase()]);
});

afterAll(async () => {
  await database?.drop();
  await kafka?.destroy();
});

/** Each record three times, shuffled (seeded), so copies land in different partitions and batches. */
function tripled<T>(records: readonly T[], seed: number): T[] {
  const copies = [...records, ...records, ...records];
  let state = seed;
  for (let i = copies.length - 1; i > 0; i -= 1) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [copies[i], copies[j]] = [copies[j]!, copies[i]!];
  }
  return copies;
}

describe('ingest at AWS concurrency: six partitions, unkeyed producer, duplicates across partitions', () => {
  it('stores every valid order once, sends nothing valid to the DLQ, and never waits out a healthy database', async () => {
    const topics = await createTestTopics(kafka.brokers, 6);
    const orders = planRecords({ count: 4_000, seed: 18 });
    const records = tripled(orders, 3);
    const ingest = await startIngestFunction(database.url, kafka.brokers);
    // Batches of 400 (the issue's): ingest then writes in a multi-statement transaction, where lock order matters most.
    const emulator = await startEmulator({
      brokers: kafka.brokers,
      ...topics,
      batchSize: 400,
      handler: ingest.handler,
      functionName: 'ingest',
      log: () => {},
    });
    const started = performance.now();
    try {
      const sent = await sendRecords(records, { brokers: [kafka.brokers], topic: topics.topic, client: {}, keyed: false });
      expect(Object.values(sent.perPartition).filter((added) => added > 0)).toHaveLength(6);
      await waitForCaughtUp(kafka.brokers, topics.groupId, topics.topic);
    } finally {
      await emulator.stop();
      await ingest.service.close();
    }
    const seconds = (performance.now() - started) / 1000;

    const uids = orders.map((record) => record.key);
    const stored = await withClient(database.url, async (client) => {
      const { rows } = await client.query<{ order_uid: string; n: string }>(
        'SELECT order_uid, count(*) AS n FROM orders GROUP BY order_uid',
      );
      return new Map(rows.map((row) => [row.order_uid, Number(row.n)]));
    });
    expect(uids.filter((uid) => stored.get(uid) !== 1)).toEqual([]);
    expect(stored.size).toBe(uids.length);
    expect(await readDlq(kafka.brokers, topics.dlqTopic)).toEqual([]);

    // AWS concurrency: several environments ran at once (6 = min(2 pollers × 5, reserved concurrency 6)).
    expect(ESM_DEFAULTS.concurrency).toBe(6);
    const cold = ingest.lines.map((line) => parseReport(line)).filter((report) => report?.initMs !== undefined);
    expect(cold.length).toBeGreaterThan(1);
    expect(cold.length).toBeLessThanOrEqual(6);
    // No invocation waited for the database as if it were down, and none failed.
    const waits = ingest.lines.filter((line) => line.includes('retrying within the outage budget') || line.includes('deadlock'));
    expect(waits).toEqual([]);
    expect(emulator.stats.functionErrors).toBe(0);
    process.stderr.write(
      `ingest-concurrency: ${records.length} records in ${seconds.toFixed(1)} s, ${emulator.stats.invocations} invocations, ${cold.length} environments\n`,
    );
  });
});
