/**
 * `npm run fuzz`: at least 100,000 generated hostile records through the ingest handler against
 * the real PostgreSQL (DATABASE_URL's server, else an embedded one), checking the properties of
 * test/fuzz/ingest-check.ts after every batch. Prints what it tried and what it found; exits 1
 * on any violation. Then the personal-data property (test/fuzz/personal-data.ts) over --personal N
 * batches (default 200) through a handler logging at DEBUG. Flags: --records N (default 100000),
 * --seed N, --batch N (largest batch, 250), --personal N.
 */
import fc from 'fast-check';
import pg from 'pg';
import { parseArgs } from 'node:util';
import { benchDatabase } from '../../bench/support.js';
import { apiGet } from '../support/api-events.js';
import { lambdaContext } from '../support/lambda.js';
import { hostileBatch } from './hostile-records.js';
import { IngestChecker, PropertyViolation } from './ingest-check.js';
import { PersonalDataChecker, personalBatch } from './personal-data.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    seed: { type: 'string' },
    batch: { type: 'string', default: '250' },
    personal: { type: 'string', default: '200' },
  },
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
const { createIngestHandler, ingestDependencies } = await import('../../functions/ingest/ingest-handler.js');
const { readIngestConfig } = await import('../../functions/ingest/config.js');
const freshIngest = () => createIngestHandler(readIngestConfig(), ingestDependencies());
const { handler: api } = await import('../../functions/api/handler.js');
const { closePool } = await import('../../shared/db/pool.js');

const sql = new pg.Client({ connectionString: database.url });
await sql.connect();
const checker = new IngestChecker({ ingest, freshIngest, api, apiEvent: apiGet, context: lambdaContext, sql, topic: 'orders-fuzz' });
const started = performance.now();

/** The personal-data property, with a handler instance whose logger writes every level. */
async function checkPersonalData(): Promise<void> {
  const level = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  const personal = new PersonalDataChecker(freshIngest(), lambdaContext, 'orders-fuzz-personal');
  process.env.POWERTOOLS_LOG_LEVEL = level;
  await personal.learnOrdinaryText();
  const runs = { numRuns: Number(values.personal), seed, endOnFailure: true };
  await fc.assert(
    fc.asyncProperty(personalBatch, (batch) => personal.check(batch)),
    runs,
  );
  process.stdout.write(`no fragment of personal data in ${personal.lines} log lines for ${personal.records} records carrying it (DEBUG)\n`);
}
let failure: unknown;
try {
  for (let round = 0; checker.stats.records < target; round += 1) {
    await fc.assert(
      fc.asyncProperty(hostileBatch(maxBatch), (records) => checker.check(records)),
      { numRuns: 20, seed: seed + round, endOnFailure: true },
    );
    process.stdout.write(
      `\r${checker.stats.records} records in ${checker.stats.batches} batches, ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  }
  const stored = await checker.checkStoredOrders();
  process.stdout.write(`\nevery one of the ${stored} stored orders satisfies the contract\n`);
  await checkPersonalData();
} catch (error) {
  failure = error;
} finally {
  await sql.end();
  await closePool();
  await database.close();
}

const { stats } = checker;
process.stdout.write(
  `\nseed ${seed}: ${stats.records} records, ${stats.batches} batches (each replayed by the same and by a fresh container), ` +
    `${stats.acknowledged} acknowledged and served back exactly, ${stats.reported} reported as batch item failures, ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
);
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
  process.stdout.write(
    `\nFOUND a violation:\n${String((violation as Error).message ?? violation)}\n${failure instanceof Error ? failure.message.slice(0, 2_000) : ''}\n`,
  );
  process.exit(1);
}
process.stdout.write('found no violation of the ingest properties\n');
