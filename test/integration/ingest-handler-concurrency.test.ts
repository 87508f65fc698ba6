import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createIngestHandler } from '../../functions/ingest/ingest-handler.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { orderStore } from '../../shared/db/orders.js';
import { createDatabase, type Database } from '../../shared/db/pool.js';
import type { Order } from '../../shared/order/schema.js';
import { useTestDatabase } from '../support/database.js';
import { ordersEvent } from '../support/kafka-events.js';
import { lambdaContext } from '../support/lambda.js';

// Six ingest instances at once, as AWS runs them for six partitions: each its own execution
// environment here (its own pool and memo; one process, which changes nothing for PostgreSQL),
// storing overlapping orders in different orders, with duplicates across batches (producers that
// do not key by order_uid, re-sends, redrives). Against the real PostgreSQL.
const database = useTestDatabase();
const INSTANCES = 6;
const BATCH = 400;
const databases: Database[] = [];

afterAll(async () => {
  await Promise.all(databases.map((db) => db.close()));
});

function instance() {
  const db = createDatabase({ DATABASE_URL: database.url });
  databases.push(db);
  const logger = new Logger({ serviceName: 'ingest', logLevel: 'INFO' });
  const lines: string[] = [];
  for (const level of ['info', 'warn', 'error'] as const) {
    vi.spyOn(logger, level).mockImplementation((...args: unknown[]) => void lines.push(`${level} ${String(args[0])}`));
  }
  const metrics = new Metrics({ namespace: 'test', serviceName: 'ingest' });
  vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  const handler = createIngestHandler(
    { outageBudgetMs: 60_000, memoMaxEntries: 100_000 },
    { store: orderStore(db), observability: { logger, metrics } },
  );
  return { handler, lines };
}

/** Six batches of BATCH orders each drawn from `pool` (overlapping), each in its own order. */
const batchesOf = (pool: readonly Order[]) =>
  fc.array(fc.shuffledSubarray([...pool.keys()], { minLength: BATCH, maxLength: BATCH }), { minLength: INSTANCES, maxLength: INSTANCES });

describe('concurrent ingest instances', () => {
  it('store overlapping batches in any order exactly once, each in one transaction, with no deadlock and no outage wait', async () => {
    const instances = Array.from({ length: INSTANCES }, instance);
    const rounds = 4;
    const pools = Array.from({ length: rounds }, (_, round) => fakeOrders(900, 500 + round));
    const stored = new Set<string>();
    for (const [round, pool] of pools.entries()) {
      const [batches] = fc.sample(batchesOf(pool), { numRuns: 1, seed: 4242 + round });
      const events = batches!.map((indexes, partition) =>
        ordersEvent(
          indexes.map((index) => pool[index]!),
          { partitions: 1, firstOffset: round * BATCH, topic: `orders-${partition}` },
        ),
      );
      const context = lambdaContext({ timeoutMs: 300_000 });
      const responses = await Promise.all(events.map((event, index) => instances[index]!.handler(event, context)));
      expect(responses).toEqual(events.map(() => ({ batchItemFailures: [] })));
      for (const indexes of batches!) for (const index of indexes) stored.add(pool[index]!.order_uid);
    }

    const counted = 'SELECT order_uid, count(*) AS n FROM orders GROUP BY order_uid';
    const { rows } = await database.sql.query<{ order_uid: string; n: string }>(counted);
    expect(rows.length).toBe(stored.size);
    expect(rows.every((row) => row.n === '1' && stored.has(row.order_uid))).toBe(true);
    const lines = instances.flatMap(({ lines: written }) => written);
    expect(lines.filter((line) => line.includes('outage budget'))).toEqual([]);
    // Lock order: no deadlock to retry, although every instance writes its batch in one transaction.
    expect(lines.filter((line) => line.includes('write conflict'))).toEqual([]);
    expect(lines.filter((line) => line.startsWith('error'))).toEqual([]);
    expect(lines.filter((line) => line.includes('batch ingested'))).toHaveLength(INSTANCES * rounds);
  }, 120_000);
});
