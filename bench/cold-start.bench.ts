/**
 * `npm run bench:cold`: each function's cold start, from the bundles that deploy.
 *
 * The bundles are the `cdk.out` assets (a fresh offline `cdk synth`, or COLD_START_CDK_OUT=<dir> to
 * reuse one). Each round spawns, per function, an empty Node start and a start that imports the
 * bundle (bench/cold-start-child.mjs), back to back, with the function's environment variables
 * from the template plus those Lambda sets; init = the difference of their spawn-to-ready times.
 * The bundle's process then invokes the handler once with a fixture event, and that first
 * invocation's duration is reported next to init, so that work moved out of init shows.
 * Median over the rounds (the machine is shared: pairs and medians, not single runs).
 *
 * The database functions log in as in AWS (bench/cold-start-aws.ts): each reads its own secret
 * (DB_SECRET_ARN) from a stand-in Secrets Manager endpoint and logs in as its role over TLS
 * verified against a CA in NODE_EXTRA_CA_CERTS, so their first invocation includes loading the
 * SDK, the secret read and the TLS handshake. What differs from Lambda: the stand-in answers on
 * the loopback (no network latency to Secrets Manager or RDS); submit's event is an invalid order
 * (400: no broker here), so its first invocation neither connects to Kafka nor signs an MSK IAM token.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { fakeOrders } from '../local/tools/fake-orders.js';
import { apiGatewayEvent, apiGet } from '../test/support/api-events.js';
import { ordersEvent } from '../test/support/kafka-events.js';
import { awsLikeDatabase } from './cold-start-aws.js';
import { markdownTable, median, percentile, SMOKE, writeBenchmarkSection } from './support.js';

// A smoke run (BENCH_SMOKE=1) may go below the floor of 12 rounds: one by default.
const ROUNDS = SMOKE ? Number(process.env.BENCH_COLD_ROUNDS ?? 1) : Math.max(12, Number(process.env.BENCH_COLD_ROUNDS ?? 12));
const REPO_ROOT = join(import.meta.dirname, '..');
const CHILD = join(import.meta.dirname, 'cold-start-child.mjs');
/** Targets (issue 25, with the AWS SDK): init beyond an empty Node start. */
const TARGET_MS: Record<string, number | undefined> = { ingest: 150, api: 180, submit: 150, migrate: 250 };

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }>;
}

interface LambdaFunction {
  service: string;
  /** Row label: the service, or "service (baseline)" for COLD_START_BASELINE's bundles. */
  label: string;
  bundle: string;
  memory: number;
  environment: Record<string, string>;
}

/** An offline synth with the pinned CLI, as test/infra/cdk-cli.test.ts runs it. */
async function synth(): Promise<string> {
  const outdir = await mkdtemp(join(tmpdir(), 'order-pipeline-cold-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^AWS_|^CDK_DEFAULT_/.test(name)) env[name] = value;
  Object.assign(env, {
    PATH: `${dirname(process.execPath)}:${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_CONFIG_FILE: '/dev/null',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  });
  console.log('cdk synth (offline) …');
  await promisify(execFile)(
    process.execPath,
    [join(REPO_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--quiet', '--no-notices', '--output', outdir],
    {
      cwd: REPO_ROOT,
      env,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return outdir;
}

/** A template value as the function would see it: references become plausible placeholders. */
function placeholder(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (name.endsWith('_SECRET_ARN')) return `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name.toLowerCase()}-AbCdEf`;
  if (name === 'AUTH_ISSUER') return 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example';
  if (name.endsWith('_URL')) return 'https://example.auth.eu-west-1.amazoncognito.com/oauth2/x';
  if (name === 'AUTH_SCOPES') return 'openid email orders/read';
  return `bench-${name.toLowerCase()}`;
}

async function functionsOf(cdkOut: string, suffix = ''): Promise<LambdaFunction[]> {
  const template = JSON.parse(await readFile(join(cdkOut, 'OrderPipeline-dev.template.json'), 'utf8')) as Template;
  const found: LambdaFunction[] = [];
  for (const resource of Object.values(template.Resources)) {
    const variables = (resource.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const service = variables.POWERTOOLS_SERVICE_NAME;
    const asset = resource.Metadata?.['aws:asset:path'];
    if (resource.Type !== 'AWS::Lambda::Function' || typeof service !== 'string' || !asset) continue;
    const environment = Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, placeholder(name, value)]));
    delete environment.NODE_EXTRA_CA_CERTS;
    found.push({
      service,
      label: `${service}${suffix}`,
      bundle: join(cdkOut, asset, 'index.mjs'),
      memory: Number(resource.Properties.MemorySize ?? 128),
      environment,
    });
  }
  return found.sort((a, b) => Object.keys(TARGET_MS).indexOf(a.service) - Object.keys(TARGET_MS).indexOf(b.service));
}

/** The variables Lambda sets in every execution environment (credentials: dummies). */
function lambdaEnvironment(fn: LambdaFunction): Record<string, string> {
  const name = `OrderPipeline-dev-${fn.service}`;
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memory),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/12/01/[$LATEST]0123456789abcdef',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: dirname(fn.bundle),
    _HANDLER: 'index.handler',
    AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key',
    AWS_SESSION_TOKEN: 'bench-session-token',
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    _X_AMZN_TRACE_ID: 'Root=1-65a1b2c3-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1',
    ...fn.environment,
  };
}

interface Start {
  readyMs: number;
  invokeMs?: number;
  status?: string;
}

/** Spawns the child; resolves with the time from spawn to its "init" line, and its invocation. */
function start(args: string[], env: Record<string, string>): Promise<Start> {
  return new Promise((resolve, reject) => {
    const began = process.hrtime.bigint();
    const child = spawn(process.execPath, [CHILD, ...args], {
      env,
      cwd: args[0] ? dirname(args[0]) : REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result: Start = { readyMs: Number.NaN };
    let buffered = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line === 'init' && Number.isNaN(result.readyMs)) result.readyMs = Number(process.hrtime.bigint() - began) / 1e6;
        else if (line.startsWith('{"invokeMs"')) Object.assign(result, JSON.parse(line) as Start);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 && !Number.isNaN(result.readyMs)
        ? resolve(result)
        : reject(new Error(`cold start failed (exit ${code}): ${stderr.slice(-2000)}`)),
    );
  });
}

/** A fixture event per function, and the variables its first invocation needs here. */
async function invocations(
  database: Awaited<ReturnType<typeof awsLikeDatabase>>,
  folder: string,
): Promise<Record<string, { event: string; env: Record<string, string> }>> {
  const orders = fakeOrders(101, 19);
  const write = async (name: string, event: unknown) => {
    const path = join(folder, `${name}.json`);
    await writeFile(path, JSON.stringify(event));
    return path;
  };
  // The read API asks for an order the bench stores first (the ingest module, against the same database).
  process.env.DATABASE_URL = database.adminUrl;
  const { storeOrders } = await import('../shared/db/orders.js');
  const { closePool } = await import('../shared/db/pool.js');
  await storeOrders(orders.slice(100));
  await closePool();
  return {
    // AWS's default batch size: 100 records, each cold start storing them again (first write wins).
    ingest: { event: await write('ingest', ordersEvent(orders.slice(0, 100), { partitions: 6 })), env: database.envFor('orders_writer') },
    api: { event: await write('api', apiGet(`/orders/${orders[100]!.order_uid}`)), env: database.envFor('orders_reader') },
    submit: {
      event: await write(
        'submit',
        apiGatewayEvent({ method: 'POST', path: '/orders', body: JSON.stringify({ order_uid: 'not an order' }) }),
      ),
      env: {},
    },
    // The master login and the role secrets, as the CDK Trigger invokes it: the schema is up to date.
    migrate: { event: await write('migrate', {}), env: database.envFor('master') },
  };
}

const cdkOut = process.env.COLD_START_CDK_OUT ?? (await synth());
// COLD_START_BASELINE=<another cdk.out>: its bundles run in the same rounds, interleaved, for a before/after on one machine.
const baseline = process.env.COLD_START_BASELINE;
const functions = await functionsOf(cdkOut);
if (baseline) {
  const before = await functionsOf(baseline, ' (baseline)');
  functions.splice(0, functions.length, ...functions.flatMap((fn) => [...before.filter((old) => old.service === fn.service), fn]));
}
const database = await awsLikeDatabase();
const events = await invocations(database, await mkdtemp(join(tmpdir(), 'order-pipeline-cold-events-')));

const samples = new Map(
  functions.map((fn) => [
    fn.label,
    { init: [] as number[], empty: [] as number[], ready: [] as number[], invoke: [] as number[], status: new Set<string>() },
  ]),
);
const loadBefore = loadavg()[0]!;
for (let round = 0; round < ROUNDS; round += 1) {
  for (const fn of functions) {
    const env = { ...lambdaEnvironment(fn), ...events[fn.service]?.env };
    const empty = await start([], env);
    const cold = await start([fn.bundle, ...(events[fn.service] ? [events[fn.service]!.event] : [])], env);
    const sample = samples.get(fn.label)!;
    sample.empty.push(empty.readyMs);
    sample.ready.push(cold.readyMs);
    sample.init.push(cold.readyMs - empty.readyMs);
    if (cold.invokeMs !== undefined) sample.invoke.push(cold.invokeMs);
    if (cold.status !== undefined) sample.status.add(cold.status);
  }
  process.stdout.write(`round ${round + 1}/${ROUNDS}\r`);
}
await database.close();
const load = `load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after, on ${cpus().length} cores`;

const ms = (value: number) => (Number.isNaN(value) ? '–' : value.toFixed(0));
const rows = functions.map((fn) => {
  const sample = samples.get(fn.label)!;
  const init = median(sample.init);
  const target = TARGET_MS[fn.service];
  const before = baseline && !fn.label.endsWith('(baseline)') ? samples.get(`${fn.service} (baseline)`) : undefined;
  return [
    fn.label,
    ms(init),
    `${ms(percentile(sample.init, 25))}–${ms(percentile(sample.init, 75))}`,
    // Interference only adds time: the fastest start of each kind estimates the quiet machine.
    ms(Math.min(...sample.ready) - Math.min(...sample.empty)),
    ms(median(sample.invoke)),
    [...sample.status].join(', ') || '–',
    target === undefined ? '–' : `${target}`,
    target === undefined ? '–' : `${(init / target).toFixed(2)}${init <= target ? ' ✓' : ' ✗'}`,
    // Paired per round (same moment of the machine's load), then the median.
    before ? median(sample.init.map((value, round) => value / before.init[round]!)).toFixed(2) : '–',
  ];
});
const emptyStart = median(functions.flatMap((fn) => samples.get(fn.label)!.empty));
const table = markdownTable(
  [
    'function',
    'init beyond empty Node (ms, median)',
    'p25–p75',
    'fastest − fastest empty',
    'first invocation (ms, median)',
    'first answer',
    'target (ms)',
    'init / target',
    'init / baseline',
  ],
  rows,
);
console.log(`\nCold starts: ${ROUNDS} paired rounds, empty Node start ${ms(emptyStart)} ms (median), ${load}\n\n${table}\n`);

await writeBenchmarkSection(
  '## Cold starts',
  `Each function's bundle (the \`cdk.out\` asset) imported in a fresh Node ${process.versions.node} process with the
function's environment and the variables Lambda sets, paired with an empty Node start in the same round
(\`bench/cold-start.bench.ts\`, ${ROUNDS} rounds, medians; an empty start took ${ms(emptyStart)} ms; ${load}). Then one invocation
with a fixture event: 100 orders for ingest, a stored order for the read API (a cache miss), an invalid order for submit
(400: no broker here), an up-to-date schema for migrate. The database functions log in as in AWS: each reads its secret
(DB_SECRET_ARN) from a stand-in Secrets Manager endpoint on the loopback and logs in as its own role over verified TLS,
so the first invocation includes loading the SDK, the secret read and the TLS handshake (not the network's latency).

${table}

${baseline ? 'Rows "(baseline)": the bundles of COLD_START_BASELINE (another `cdk.out`) in the same rounds; "init / baseline": the ratio per round, median. ' : ''}"Fastest − fastest empty": the quickest start of each kind, an estimate for a quiet machine (interference only adds time).
Latest run: ${new Date().toISOString().slice(0, 10)}.`,
);
