import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handler as apiHandler } from '../../functions/api/handler.js';
import { readIngestConfig } from '../../functions/ingest/config.js';
import { createIngestHandler, ingestDependencies } from '../../functions/ingest/ingest-handler.js';
import { hostileBatch } from '../fuzz/hostile-records.js';
import { IngestChecker } from '../fuzz/ingest-check.js';
import { useTestDatabase } from '../support/database.js';
import { apiGet } from '../support/api-events.js';
import { lambdaContext } from '../support/lambda.js';

// Generated hostile records through the real handler and the real PostgreSQL (test/fuzz/ for the
// generators and the properties; `npm run fuzz` runs the same at 100,000 records).
const database = useTestDatabase();

describe('ingest handler under generated hostile records', () => {
  it('never throws with the database up, stores exactly the acknowledged orders as sent, and replays without effect', async () => {
    const newIngest = () => createIngestHandler(readIngestConfig(), ingestDependencies());
    const checker = new IngestChecker({
      ingest: newIngest(),
      freshIngest: newIngest,
      api: apiHandler,
      apiEvent: apiGet,
      context: lambdaContext,
      sql: database.sql,
      topic: 'orders-props',
    });
    await fc.assert(
      fc.asyncProperty(hostileBatch(120), (records) => checker.check(records)),
      { numRuns: 45, seed: Number(process.env.FUZZ_SEED ?? 20261122), endOnFailure: true },
    );
    const stored = await checker.checkStoredOrders();
    expect(checker.stats.records).toBeGreaterThan(2_000);
    expect(checker.stats.acknowledged).toBeGreaterThan(0);
    expect(checker.stats.reported).toBeGreaterThan(0);
    expect(stored).toBeGreaterThan(0);
  }, 120_000);
});
