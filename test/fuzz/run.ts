import fc from 'fast-check';
import pg from 'pg';
import { parseArgs } from 'node:util';
import { benchDatabase } from '../../bench/support.js';
import { apiGet } from '../support/api-events.js';
import { lambdaContext } from '../support/lambda.js';
import { hostileBatch } from './hostile-records.js';
import { IngestChecker, PropertyViolation } from './ingest-check.js';

/**
 * `npm run fuzz`: at least 100,000 generated hostile records through the ingest handler against
 * the real PostgreSQL (DATABASE_URL's server, else an embedded one), checking the properties of
 * test/fuzz/ingest-check.ts after every batch. Prints what it tried and what it found; exits 1
 * on any violation. Flags: --records N (default 100000), --seed N, --batch N (largest batch, 250).
 */
const { values } = parseArgs({
  options: { records: { type: 'string', default: '100000' }, seed: { type: 'string' }, batch: { type: 'string', default: '250' } },
});
const target = Number(values.records);
const seed = Number(values.seed ?? Date.now() % 2 ** 31);
const maxBatch = Number(values.batch);

process.env.POWERTOOLS_LOG_LEVEL ??= 'CRITICAL';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const database = await benchDatabase('orders_fuzz');
process.env.DATABASE_URL = database.url;
// Imported after DATABASE_URL and the log settings are in place (both are read at load).
const { handler: ingest } = await import('../../functions/ingest/handler.js');
const { handler: api } = await import('../../functions/api/handler.js');
const { closePool } = await import('../../shared/db/pool.js');

const sql = new pg.Client({ connectionString: database.url });
await sql.connect();
const checker = new IngestChecker({ ingest, api, apiEvent: apiGet, context: lambdaContext, sql, topic: 'orders-fuzz' });
const started = performance.now();
let failure: unknown;
try {
  for (let round = 0; checker.stats.records < target; round += 1) {
    await fc.assert(fc.asyncProperty(hostileBatch(maxBatch), (records) => checker.check(records)), { numRuns: 20, seed: seed + round, endOnFailure: true });
    process.stdout.write(`\r${checker.stats.records} records in ${checker.stats.batches} batches, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  const stored = await checker.checkStoredOrders();
  process.stdout.write(`\nevery one of the ${stored} stored orders satisfies the contract\n`);
} catch (error) {
  failure = error;
} finally {
  await sql.end();
  await closePool();
  await database.close();
}

const { stats } = checker;
process.stdout.write(`\nseed ${seed}: ${stats.records} records, ${stats.batches} batches (each replayed by the same and by a fresh container), ` +
  `${stats.acknowledged} acknowledged and served back exactly, ${stats.reported} reported as batch item failures, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
process.stdout.write('kind of record         acknowledged   reported\n');
for (const [kind, counts] of [...stats.byKind].sort(([a], [b]) => a.localeCompare(b))) {
  process.stdout.write(`${kind.padEnd(22)} ${String(counts.acknowledged).padStart(12)} ${String(counts.reported).padStart(10)}\n`);
}
process.stdout.write('\nwhy records were reported (reason and first violated path)\n');
for (const [why, count] of [...stats.byRejection].sort(([, a], [, b]) => b - a).slice(0, 25)) {
  process.stdout.write(`${String(count).padStart(8)}  ${why}\n`);
}
if (failure) {
  const violation = failure instanceof Error && failure.cause instanceof PropertyViolation ? failure.cause : failure;
  process.stdout.write(`\nFOUND a violation:\n${String((violation as Error).message ?? violation)}\n${failure instanceof Error ? failure.message.slice(0, 2_000) : ''}\n`);
  process.exit(1);
}
process.stdout.write('found no violation of the ingest properties\n');
