import { setTimeout as delay } from 'node:timers/promises';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { logLevel } from 'kafkajs';
import pg from 'pg';
import { DEFAULT_DLQ_TOPIC } from '../local/emulators/esm/dlq-record.js';
import { createTopic, KAFKA_VERSION, startLocalKafka } from '../local/services/kafka/broker.js';
import { planRecords, sendRecords } from '../local/tools/produce.js';
import { startLocalPostgres } from '../local/services/postgres.js';
import { migrateUp } from '../shared/db/migrate.js';
import { createKafka } from '../shared/kafka/client.js';

/**
 * `npm run bench:e2e`: sustained orders per second from the producer to stored rows, through a
 * real broker, the event-source mapping emulator (default settings) and the ingest handler, into
 * an embedded PostgreSQL. The producer sends all orders as fast as the broker takes them; the
 * consumer's lag (produced − committed) is sampled every second. Writes its table into
 * docs/benchmarks.md under "## End to end (`npm run bench:e2e`)".
 */
const ROOT = resolve(import.meta.dirname, '..');
const HEADING = '## End to end (`npm run bench:e2e`)';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '50000' },
    'batch-size': { type: 'string' },
    concurrency: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const COUNT = Number(values.count);
const TOPIC = 'orders';
const PARTITIONS = 6;
const GROUP = 'order-pipeline-ingest-bench';

interface Sample {
  seconds: number;
  produced: number;
  committed: number;
  stored: number;
}

async function main() {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const dir = await mkdtemp(join(tmpdir(), 'bench-e2e-'));
  const [kafka, postgres] = await Promise.all([startLocalKafka({ dataDir: join(dir, 'kafka') }), startLocalPostgres({ dataDir: join(dir, 'pg') })]);
  const sql = new pg.Client({ connectionString: postgres.url });
  try {
    await migrateUp({ connection: postgres.url, dir: join(ROOT, 'migrations') });
    process.env.DATABASE_URL = postgres.url;
    await createTopic(kafka.brokers, TOPIC, PARTITIONS);
    await createTopic(kafka.brokers, DEFAULT_DLQ_TOPIC, 1);
    await sql.connect();

    const records = planRecords({ count: COUNT, seed: 2024 });
    const [{ handler }, { startEmulator, ESM_DEFAULTS }, { closePool }] = await Promise.all([
      import('../functions/ingest/handler.js'),
      import('../local/emulators/esm/emulator.js'),
      import('../shared/db/pool.js'),
    ]);
    const batchSize = Number(values['batch-size'] ?? ESM_DEFAULTS.batchSize);
    const concurrency = Number(values.concurrency ?? ESM_DEFAULTS.concurrency);
    const durations: number[] = [];
    const sizes: number[] = [];
    const emulator = await startEmulator({
      brokers: kafka.brokers,
      topic: TOPIC,
      groupId: GROUP,
      handler,
      batchSize,
      concurrency,
      onInvoke: ({ durationMs, records: size }) => {
        durations.push(durationMs);
        sizes.push(size);
      },
    });

    const admin = createKafka({ brokers: kafka.brokers, clientId: 'bench', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const offsets = async () => {
      const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(TOPIC), admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] })]);
      const produced = ends.reduce((sum, end) => sum + Number(end.high), 0);
      const done = (committed?.partitions ?? []).reduce((sum, entry) => sum + Math.max(0, Number(entry.offset)), 0);
      return { produced, committed: done };
    };
    const storedRows = async () => Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM orders')).rows[0]!.n);

    const samples: Sample[] = [];
    const started = performance.now();
    let producerSeconds = 0;
    const sending = sendRecords(records, { brokers: [kafka.brokers], topic: TOPIC, client: {} }).then((summary) => {
      producerSeconds = summary.seconds;
      return summary;
    });
    for (;;) {
      await delay(1_000);
      const [{ produced, committed }, stored] = await Promise.all([offsets(), storedRows()]);
      samples.push({ seconds: (performance.now() - started) / 1000, produced, committed, stored });
      process.stderr.write(`t=${samples.at(-1)!.seconds.toFixed(0)}s produced=${produced} committed=${committed} stored=${stored}\n`);
      if (committed >= COUNT && stored >= COUNT) break;
      if (samples.length > 900) throw new Error('no progress for 15 minutes');
    }
    await sending;
    const seconds = samples.at(-1)!.seconds;
    const maxLag = Math.max(...samples.map((sample) => sample.produced - sample.committed));
    await emulator.stop();
    await admin.disconnect();
    await closePool();

    const sorted = [...durations].sort((a, b) => a - b);
    const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
    const every = Math.max(1, Math.ceil(samples.length / 15));
    const rows = samples.filter((_, index) => index % every === 0 || index === samples.length - 1);
    const table = [
      `${COUNT.toLocaleString('en')} valid orders, ${PARTITIONS} partitions, emulator defaults (batch size ${batchSize}, window ${ESM_DEFAULTS.batchWindowMs} ms, concurrency ${concurrency}), Kafka ${KAFKA_VERSION} (local broker), embedded PostgreSQL; ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; ${new Date().toISOString().slice(0, 10)}.`,
      '',
      '| metric | value |',
      '| --- | --- |',
      `| end to end (first send → last row stored and committed) | ${seconds.toFixed(1)} s → **${Math.round(COUNT / seconds).toLocaleString('en')} orders/s** |`,
      `| producer alone (acks=all, idempotent) | ${producerSeconds.toFixed(1)} s → ${Math.round(COUNT / producerSeconds).toLocaleString('en')} orders/s |`,
      `| invocations | ${durations.length} (mean ${Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length)} records each) |`,
      `| handler duration per invocation p50 / p95 / max | ${percentile(50).toFixed(0)} / ${percentile(95).toFixed(0)} / ${sorted.at(-1)!.toFixed(0)} ms |`,
      `| largest lag (produced − committed) | ${maxLag.toLocaleString('en')} records |`,
      '',
      'Lag over time:',
      '',
      '| t (s) | produced | committed | stored rows | lag |',
      '| ---: | ---: | ---: | ---: | ---: |',
      ...rows.map((sample) => `| ${sample.seconds.toFixed(0)} | ${sample.produced} | ${sample.committed} | ${sample.stored} | ${sample.produced - sample.committed} |`),
      '',
      'The producer outruns the consumer: by default the emulator has one invocation in flight, so the',
      "lag drains at the handler's pace (validation plus one set-based INSERT per batch of 100).",
      '`npm run bench:e2e -- --batch-size 500 --concurrency 2` tries larger or parallel (partition-disjoint) batches.',
    ].join('\n');
    process.stdout.write(`${table}\n`);
    if (!values['no-write']) await writeSection(table);
  } finally {
    await sql.end().catch(() => undefined);
    await kafka.stop();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Replaces only this benchmark's section of docs/benchmarks.md (other sections belong to other benchmarks). */
async function writeSection(table: string) {
  const file = join(ROOT, 'docs', 'benchmarks.md');
  const text = await readFile(file, 'utf8');
  const start = text.indexOf(HEADING);
  if (start < 0) throw new Error(`docs/benchmarks.md has no "${HEADING}" heading`);
  const bodyStart = start + HEADING.length;
  const next = text.indexOf('\n## ', bodyStart);
  const end = next < 0 ? text.length : next + 1;
  await writeFile(file, `${text.slice(0, bodyStart)}\n\n${table}\n${next < 0 ? '' : '\n'}${text.slice(end)}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
