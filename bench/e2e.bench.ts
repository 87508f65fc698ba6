/**
 * `npm run bench:e2e`: sustained orders per second from the producer to stored rows, through a
 * real broker, the event-source mapping emulator at AWS concurrency and the ingest function's
 * bundle in execution environments of the local Lambda service (as `npm start` runs it), into an
 * embedded PostgreSQL; twice in one run: clean input, then the same count with 5 % invalid
 * records (each reported as a batch item failure, retried by the emulator up to its retry limit,
 * then sent to the DLQ). The ratio of the two rates is what a poison record costs. The producer
 * sends all orders as fast as the broker takes them. It counts the `order rejected` log lines of
 * every environment: how many times each invalid record is logged. Then each function's Init
 * Duration, from the REPORT lines of cold starts. Writes its tables into docs/benchmarks.md.
 *
 * `--baseline <another checkout of this repository>` (e.g. a git worktree of main) runs both
 * phases with that checkout's ingest bundle first (`--baseline-last`: last), in the same run, for a
 * before/after pair.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { logLevel } from 'kafkajs';
import pg from 'pg';
import { bundleFunction } from '../infra/bundle.js';
import { buildKafkaEvent } from '../local/emulators/kafka-event.js';
import { createTopic, KAFKA_VERSION, startLocalKafka } from '../local/services/kafka/broker.js';
import { parseReport, type Report } from '../local/emulators/lambda/report.js';
import type { LambdaService } from '../local/emulators/lambda/service.js';
import type { FunctionSettings, LocalFunctionName } from '../local/emulators/lambda/settings.js';
import { unchanging } from '../local/emulators/serialized-events.js';
import { BROKEN_KINDS, planRecords, type PlannedRecord, sendRecords } from '../local/tools/produce.js';
import { createKafka } from '../shared/kafka/client.js';
import type { KafkaEvent } from '../shared/kafka/event.js';
import { apiGatewayEvent } from '../test/support/api-events.js';
import { startPrivatePostgres } from '../test/support/database.js';
import { childProcesses, markdownTable, median, percentile, SMOKE, writeBenchmarkSection } from './support.js';

const HEADING = '## End to end in execution environments (`npm run bench:e2e`)';
const ROOT = join(import.meta.dirname, '..');
// A smoke run (BENCH_SMOKE=1): a small count, one cold start per function, a short floor.
const SCALE = SMOKE ? { count: '1000', coldStarts: 1, floorInvocations: 20 } : { count: '50000', coldStarts: 3, floorInvocations: 600 };

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: SCALE.count },
    'invalid-share': { type: 'string', default: '0.05' },
    'batch-size': { type: 'string' },
    concurrency: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    baseline: { type: 'string' },
    'baseline-last': { type: 'boolean', default: false },
  },
});
const BASELINE = values.baseline;
const COUNT = Number(values.count);
const INVALID_SHARE = Number(values['invalid-share']);
const PARTITIONS = 6;
// Partial failures are retried at once by the emulator (no backoff); a function error would wait this.
const BACKOFF = { initialMs: 100, multiplier: 2, maxMs: 1_000 };

type Emulator = typeof import('../local/emulators/esm/emulator.js');
type Service = typeof import('../local/emulators/lambda/service.js');
type Settings = Record<LocalFunctionName, FunctionSettings>;

interface Phase {
  name: string;
  /** Which code ran: 'baseline' or 'this'. */
  code: string;
  /** `order rejected` log lines over all environments. */
  rejectionsLogged: number;
  records: number;
  invalid: number;
  seconds: number;
  invocations: number;
  durations: number[];
  initDurations: number[];
  toDlq: number;
  /** CPU of the phase's execution environments (init included), ms; undefined where /proc cannot say. */
  environmentsCpuMs: number | undefined;
}

interface Rig {
  brokers: string;
  sql: pg.Client;
  settings: Settings;
  lambda: Service;
  emulator: Emulator;
}

/** A Lambda service whose REPORT lines land in `reports`; `onLine` sees every other line. */
async function startService(
  rig: Rig,
  functions: Partial<Settings>,
  reports: Array<Report & { name: string }>,
  onLine: (line: string) => void = () => {},
): Promise<LambdaService> {
  return rig.lambda.startLambdaService({
    functions,
    onLog: (name, line) => {
      const report = parseReport(line);
      if (report) reports.push({ ...report, name });
      else onLine(line);
    },
  });
}

/**
 * CPU milliseconds used so far by the execution environments alive now (this process's children
 * running AWS's runtime interface client), from /proc; undefined where /proc cannot say.
 */
function environmentsCpuMs(): number | undefined {
  try {
    const isEnvironment = ({ pid }: { pid: string }) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('aws-lambda-ric');
      } catch {
        return false; // The process ended meanwhile.
      }
    };
    return childProcesses(process.pid)
      .filter(isEnvironment)
      .reduce((sum, { cpuMs }) => sum + cpuMs, 0);
  } catch {
    return undefined;
  }
}

async function waitUntilDone(rig: Rig, topic: string, groupId: string, expectedRows: number, started: number): Promise<number> {
  const admin = createKafka({ brokers: rig.brokers, clientId: 'bench', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (;;) {
      await delay(250);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const done = (committed?.partitions ?? []).reduce((sum, entry) => sum + Math.max(0, Number(entry.offset)), 0);
      const stored = Number((await rig.sql.query<{ n: string }>('SELECT count(*) AS n FROM orders')).rows[0]!.n);
      const seconds = (performance.now() - started) / 1000;
      if (done >= COUNT && stored >= expectedRows) return seconds;
      if (seconds > 900) throw new Error(`no end after 15 minutes: committed ${done}, stored ${stored}`);
    }
  } finally {
    await admin.disconnect();
  }
}

async function runPhase(rig: Rig, name: string, records: readonly PlannedRecord[], code: Code): Promise<Phase> {
  const topic = `orders-${code.name}-${name}`;
  await createTopic(rig.brokers, topic, PARTITIONS);
  await createTopic(rig.brokers, `${topic}.dlq`, 1);
  // The kept verdicts say which orders are stored: emptied with them (a table the baseline may not have).
  await rig.sql.query('TRUNCATE orders CASCADE');
  await rig.sql.query('TRUNCATE record_verdicts').catch(() => undefined);
  const invalid = records.filter((record) => (BROKEN_KINDS as readonly string[]).includes(record.kind)).length;
  const reports: Array<Report & { name: string }> = [];
  let rejectionsLogged = 0;
  const countRejection = (line: string) => {
    if (line.includes('"message":"order rejected"')) rejectionsLogged += 1;
  };
  // Fresh environments per phase: each starts cold, as a new deployment does.
  const service = await startService(rig, { ingest: { ...rig.settings.ingest, taskRoot: code.taskRoot } }, reports, countRejection);
  const emulator = await rig.emulator.startEmulator({
    brokers: rig.brokers,
    topic,
    dlqTopic: `${topic}.dlq`,
    groupId: `${topic}-bench`,
    handler: service.handler('ingest'),
    functionName: 'ingest',
    backoff: BACKOFF,
    ...(values['batch-size'] ? { batchSize: Number(values['batch-size']) } : {}),
    ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
    log: () => {},
  });
  const started = performance.now();
  const sending = sendRecords(records, { brokers: [rig.brokers], topic, client: {} });
  const seconds = await waitUntilDone(rig, topic, `${topic}-bench`, records.length - invalid, started);
  await sending;
  const toDlq = emulator.stats.recordsToDlq;
  await emulator.stop();
  // Fresh environments per phase: all of them are this phase's.
  const environmentsCpu = environmentsCpuMs();
  await service.close();
  process.stderr.write(
    `${code.name} ${name}: ${records.length} records in ${seconds.toFixed(1)} s (${Math.round(records.length / seconds)}/s), ${toDlq} to the DLQ, ${rejectionsLogged} rejections logged\n`,
  );
  const durations = reports.map((report) => report.durationMs);
  const initDurations = reports.flatMap((report) => (report.initMs === undefined ? [] : [report.initMs]));
  return {
    name,
    code: code.name,
    rejectionsLogged,
    records: records.length,
    invalid,
    seconds,
    invocations: reports.length,
    durations,
    initDurations,
    toDlq,
    environmentsCpuMs: environmentsCpu,
  };
}

/** The ingest bundle a phase runs: this checkout's, or the baseline's. */
interface Code {
  name: 'baseline' | 'this';
  taskRoot: string;
}

async function ingestBundle(name: Code['name'], root: string, dir: string): Promise<Code> {
  const taskRoot = join(dir, `ingest-${name}`);
  await mkdir(taskRoot, { recursive: true });
  const { bundleFunction: bundle } = (await import(join(root, 'infra', 'bundle.ts'))) as typeof import('../infra/bundle.js');
  await bundle('ingest', taskRoot);
  return { name, taskRoot };
}

const COLD_STARTS = SCALE.coldStarts;

/**
 * Init Duration one cold start at a time (nothing else starting), COLD_STARTS times per function:
 * each round a new service over the same bundles, one invocation per function.
 */
async function coldStarts(rig: Rig): Promise<Array<Report & { name: string }>> {
  const reports: Array<Report & { name: string }> = [];
  const dir = join(ROOT, '.local', 'lambda', `bench-${process.pid}`);
  try {
    const names = ['ingest', 'api', 'submit'] as const;
    const roots = Object.fromEntries(
      await Promise.all(
        names.map(async (name) => {
          const taskRoot = join(dir, name);
          await mkdir(taskRoot, { recursive: true });
          await bundleFunction(name, taskRoot);
          return [name, taskRoot] as const;
        }),
      ),
    );
    const [order] = planRecords({ count: 1, seed: 7 });
    const events = {
      ingest: buildKafkaEvent([], { bootstrapServers: rig.brokers }),
      api: apiGatewayEvent({ path: '/' }),
      submit: apiGatewayEvent({ method: 'POST', path: '/orders', headers: { 'content-type': 'application/json' }, body: order!.value }),
    };
    for (let round = 0; round < COLD_STARTS; round += 1) {
      const functions = Object.fromEntries(names.map((name) => [name, { ...rig.settings[name], taskRoot: roots[name] }]));
      const service = await startService(rig, functions, reports);
      try {
        for (const name of names) await service.invoke(name, events[name]);
      } finally {
        await service.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return reports.filter((report) => report.initMs !== undefined);
}

function initTable(phases: readonly Phase[], alone: ReadonlyArray<Report & { name: string }>, settings: Settings): string {
  const range = (inits: number[]) => `${median(inits).toFixed(0)} ms (${Math.min(...inits).toFixed(0)} – ${Math.max(...inits).toFixed(0)})`;
  const underLoad = phases.flatMap((phase) => phase.initDurations);
  const row = (name: LocalFunctionName) => {
    const inits = alone.filter((report) => report.name === name).map((report) => report.initMs!);
    return [
      name,
      `${settings[name].memoryMiB} MB`,
      `${range(inits)}, ${inits.length} cold starts`,
      name === 'ingest' ? `${range(underLoad)}, ${underLoad.length} cold starts` : '—',
    ];
  };
  return markdownTable(
    [
      'function',
      'memory',
      'Init Duration, one cold start at a time: median (range)',
      'during the runs above (6 starting at once, under load)',
    ],
    [row('ingest'), row('api'), row('submit')],
  );
}

/** A function that does nothing: what a re-delivery costs before any handler code runs. */
const NOOP_HANDLER = 'export const handler = async () => ({ batchItemFailures: [] });\n';
const FLOOR_INVOCATIONS = SCALE.floorInvocations;

/**
 * What a re-delivery costs, against its floor: the poison phase's extra wall time and extra
 * environment CPU over its extra invocations (the same records: the clean phase's subtracted), and
 * the share of the clean rate a function would keep whose re-deliveries cost only the floor.
 */
function redeliveryLines(phases: readonly Phase[], floor: Floor): string {
  const codes = [...new Set(phases.map((phase) => phase.code))];
  const ms = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(2)} ms`);
  const rows = codes.map((code) => {
    const [clean, poison] = phases.filter((phase) => phase.code === code) as [Phase, Phase];
    const extra = poison.invocations - clean.invocations;
    const wallPerRedelivery = ((poison.seconds - clean.seconds) * 1000) / extra;
    const cpuPerRedelivery =
      poison.environmentsCpuMs === undefined || clean.environmentsCpuMs === undefined
        ? undefined
        : (poison.environmentsCpuMs - clean.environmentsCpuMs) / extra;
    const ceiling = clean.seconds / (clean.seconds + (extra * floor.wallMs) / 1000);
    return [
      ...(BASELINE ? [code === 'this' ? 'this change' : 'baseline'] : []),
      extra.toLocaleString('en'),
      `${ms(wallPerRedelivery)} / ${ms(floor.wallMs)}`,
      `${ms(cpuPerRedelivery)} / ${ms(floor.cpuMs)}`,
      `${((clean.seconds / poison.seconds) * 100).toFixed(0)} %`,
      `${(ceiling * 100).toFixed(0)} %`,
    ];
  });
  return [
    'What a re-delivery costs, against its physical floor here (the same retried events sent to a function that',
    'does nothing, in the same execution environments, at the same concurrency, measured in the same run; each',
    "event serialized once, as the emulator serializes a batch's identical retries once); the environments' CPU is",
    "their processes' (AWS's runtime interface client and the function), the phases' cold starts included:",
    '',
    markdownTable(
      [
        ...(BASELINE ? ['code'] : []),
        're-deliveries (invocations beyond the clean phase)',
        'wall per re-delivery: this function / floor',
        "environments' CPU per re-delivery: this function / floor",
        'share of the clean rate',
        'ceiling: share if every re-delivery cost only the floor',
      ],
      rows,
    ),
  ].join('\n');
}

/** A re-delivery's floor: wall time per invocation, and the environments' CPU per invocation (undefined where /proc cannot say). */
interface Floor {
  wallMs: number;
  cpuMs: number | undefined;
}

/**
 * The physical floor of a re-delivery here: wall time and environment CPU per invocation, at the mapping's
 * concurrency, of the events a poisoned stream is retried with (each batch from its first invalid
 * record on, as the mapping re-sends it) sent to a function that does nothing, in the same
 * execution environments (the local Lambda service, AWS's runtime interface client, the event's
 * bytes both ways). No handler re-delivers for less on this machine.
 */
async function redeliveryFloor(rig: Rig, dir: string, batchSize: number, concurrency: number): Promise<Floor> {
  const taskRoot = join(dir, 'noop');
  await mkdir(taskRoot, { recursive: true });
  await writeFile(join(taskRoot, 'index.mjs'), NOOP_HANDLER);
  const planned = planRecords({ count: batchSize * 60, invalidShare: INVALID_SHARE, seed: 2025 });
  const isInvalid = (record: PlannedRecord) => (BROKEN_KINDS as readonly string[]).includes(record.kind);
  const retried: KafkaEvent[] = [];
  for (let start = 0; start < planned.length; start += batchSize) {
    const batch = planned.slice(start, start + batchSize);
    const first = batch.findIndex(isInvalid);
    if (first < 0) continue;
    const messages = batch.map(({ key, value }, index) => ({ topic: 'orders', partition: 0, offset: start + index, key, value }));
    // Never changed: serialized once, as the emulator serializes a batch's identical retries.
    retried.push(unchanging(buildKafkaEvent(messages.slice(first), { bootstrapServers: rig.brokers })));
  }
  const service = await startService(rig, { ingest: { ...rig.settings.ingest, taskRoot } }, []);
  try {
    const invoke = service.handler('ingest');
    // Every environment started first: cold starts are not re-deliveries.
    await Promise.all(Array.from({ length: concurrency }, () => invoke(retried[0])));
    let next = 0;
    const cpuBefore = environmentsCpuMs();
    const started = performance.now();
    const worker = async () => {
      for (let index = next++; index < FLOOR_INVOCATIONS; index = next++) await invoke(retried[index % retried.length]);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const wallMs = (performance.now() - started) / FLOOR_INVOCATIONS;
    const cpuAfter = environmentsCpuMs();
    const cpuMs = cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / FLOOR_INVOCATIONS;
    return { wallMs, cpuMs };
  } finally {
    await service.close();
  }
}

function report(
  phases: readonly Phase[],
  settings: { batchSize: number; concurrency: number; windowMs: number; floor: Floor },
  inits: string,
): string {
  const { batchSize, concurrency, windowMs, floor } = settings;
  const rate = (phase: Phase) => phase.records / phase.seconds;
  const pair = (code: string) => phases.filter((phase) => phase.code === code) as [Phase, Phase];
  const [clean, poison] = pair('this');
  const kept = (code: string) => {
    const [c, p] = pair(code);
    return `${((rate(p) / rate(c)) * 100).toFixed(0)} %`;
  };
  const perRejected = (phase: Phase) => (phase.invalid === 0 ? '—' : (phase.rejectionsLogged / phase.invalid).toFixed(2));
  const rows = phases.map((phase) => [
    ...(BASELINE ? [phase.code === 'this' ? 'this change' : 'baseline'] : []),
    phase.name === 'clean' ? 'clean' : `${(INVALID_SHARE * 100).toFixed(0)} % invalid`,
    phase.records.toLocaleString('en'),
    phase.invalid.toLocaleString('en'),
    `${phase.seconds.toFixed(1)} s`,
    `**${Math.round(rate(phase)).toLocaleString('en')}/s**`,
    phase.invocations,
    `${percentile(phase.durations, 50).toFixed(0)} / ${percentile(phase.durations, 95).toFixed(0)} ms`,
    `${(phase.durations.reduce((sum, ms) => sum + ms, 0) / 1000).toFixed(1)} s`,
    phase.toDlq.toLocaleString('en'),
    perRejected(phase),
    phase.name === 'clean' ? '100 %' : kept(phase.code),
  ]);
  return [
    `${COUNT.toLocaleString('en')} records per run, ${PARTITIONS} partitions, emulator defaults (batch size ${batchSize}, window ${windowMs} ms, concurrency ${concurrency} = AWS's for the deployed mapping, 10 retries; backoff after a function error ${BACKOFF.initialMs} ms doubling to ${BACKOFF.maxMs} ms); the ingest function's bundle in execution environments of the local Lambda service (AWS's runtime interface client, ${concurrency} environments at most, fresh per run); Kafka ${KAFKA_VERSION} (local broker), embedded PostgreSQL; ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; ${new Date().toISOString().slice(0, 10)}. Durations are the REPORT lines' \`Duration\`.`,
    '',
    markdownTable(
      [
        ...(BASELINE ? ['code'] : []),
        'input',
        'records',
        'invalid',
        'first send → all committed and stored',
        'records/s',
        'invocations',
        'Duration p50 / p95',
        'time in the function',
        'to the DLQ',
        'log lines per invalid record',
        'share of the clean rate',
      ],
      rows,
    ),
    '',
    `**With ${(INVALID_SHARE * 100).toFixed(0)} % invalid records the pipeline keeps ${((rate(poison) / rate(clean)) * 100).toFixed(0)} % of the clean rate, and logs each rejected record ${perRejected(poison)} times on average** (targets: ≥ 80 %, ≤ 1.5).`,
    'Each invalid record is still delivered 11 times (the first invocation and 10 retries, as AWS does)',
    'and ends in the DLQ. A retry runs in whichever environment is idle; what the batch decided from its',
    'lowest failed offset on is kept in PostgreSQL (functions/ingest/shared-memo.ts), so a re-delivered',
    'record is neither written nor logged again in any environment.',
    '',
    redeliveryLines(phases, floor),
    '',
    `Init Duration of each function from the REPORT lines of its cold starts: process start, AWS's runtime interface client and the bundle (as \`cdk synth\` builds it) loaded, on this machine, not in AWS:`,
    '',
    inits,
  ].join('\n');
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'bench-e2e-'));
  const [kafka, postgres] = await Promise.all([startLocalKafka({ dataDir: join(dir, 'kafka') }), startPrivatePostgres('bench-e2e-pg-')]);
  const sql = new pg.Client({ connectionString: postgres.url });
  try {
    await sql.connect();
    const [emulator, lambda, { localFunctionSettings }] = await Promise.all([
      import('../local/emulators/esm/emulator.js'),
      import('../local/emulators/lambda/service.js'),
      import('../local/emulators/lambda/settings.js'),
    ]);
    await createTopic(kafka.brokers, 'orders-submit', 1);
    // WARN: the `order rejected` lines are counted, nothing else is written.
    const settings = localFunctionSettings({
      database: { url: postgres.url },
      kafkaBrokers: kafka.brokers,
      topic: 'orders-submit',
      logLevel: 'WARN',
    });
    const rig: Rig = { brokers: kafka.brokers, sql, settings, lambda, emulator };
    const both = [...(BASELINE ? [await ingestBundle('baseline', BASELINE, dir)] : []), await ingestBundle('this', ROOT, dir)];
    // A machine's speed drifts: run the pair in both orders over several runs.
    const codes = values['baseline-last'] ? both.reverse() : both;
    const phases: Phase[] = [];
    for (const code of codes) {
      phases.push(await runPhase(rig, 'clean', planRecords({ count: COUNT, seed: 2024 }), code));
      phases.push(await runPhase(rig, 'poison', planRecords({ count: COUNT, invalidShare: INVALID_SHARE, seed: 2025 }), code));
    }
    const { ESM_DEFAULTS } = emulator;
    const batchSize = Number(values['batch-size'] ?? ESM_DEFAULTS.batchSize);
    const concurrency = Number(values.concurrency ?? ESM_DEFAULTS.concurrency);
    const floor = await redeliveryFloor(rig, dir, batchSize, concurrency);
    const inits = initTable(phases, await coldStarts(rig), settings);
    const table = report(phases, { batchSize, concurrency, windowMs: ESM_DEFAULTS.batchWindowMs, floor }, inits);
    process.stdout.write(`${table}\n`);
    if (!values['no-write']) await writeBenchmarkSection(HEADING, table);
  } finally {
    await sql.end().catch(() => undefined);
    await kafka.stop();
    await postgres.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
