/**
 * `npm run smoke` against a real `npm start`, both as processes run the way their npm scripts run
 * them (`node local/services/bootstrap.mjs tsx …`): `npm start` on free ports (PORT, AUTH_PORT,
 * KAFKA_PORT) with its own data folder, so its own PostgreSQL, Kafka broker, issuer and gateway.
 * The smoke test must pass; pointed at a wrong port it must fail with one line per failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toDlqMessage } from '../../local/emulators/esm/dlq-record.js';
import { dataFolderName } from '../../local/services/postgres-layout.js';
import { freePort } from '../../local/services/postgres.js';
import { runSmoke, type CheckOutcome } from '../../local/tools/smoke/checks.js';
import { localTarget } from '../../local/tools/smoke/local-target.js';
import { createKafka } from '../../shared/kafka/client.js';
import { DEFAULT_DLQ_TOPIC, DEFAULT_ORDERS_TOPIC } from '../../shared/kafka/topics.js';
import { nonBlankLines, runToEnd } from '../support/processes.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BOOTSTRAP = join(ROOT, 'local', 'services', 'bootstrap.mjs');

let scratch: string;
let pipeline: ChildProcess;
let pipelineOutput = '';
const ports = { PORT: '', AUTH_PORT: '', KAFKA_PORT: '' };

async function distinctFreePorts(count: number): Promise<number[]> {
  const found = new Set<number>();
  while (found.size < count) found.add(await freePort());
  return [...found];
}

/** Resolves when `npm start` has printed its banner; rejects with its output when it exits first. */
function started(child: ChildProcess): Promise<void> {
  return new Promise((resolveStarted, rejectStarted) => {
    const onData = (chunk: Buffer) => {
      pipelineOutput += chunk.toString('utf8');
      if (pipelineOutput.includes('Ctrl+C stops everything.')) resolveStarted();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => rejectStarted(new Error(`npm start exited (${code}) before it was ready:\n${pipelineOutput}`)));
  });
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'orders-smoke-e2e-'));
  const [port, authPort, kafkaPort] = await distinctFreePorts(3);
  Object.assign(ports, { PORT: String(port), AUTH_PORT: String(authPort), KAFKA_PORT: String(kafkaPort) });
  pipeline = spawn(process.execPath, [BOOTSTRAP, 'tsx', 'local/services/start.ts'], {
    cwd: ROOT,
    // Its own PostgreSQL and broker: none given, data in the scratch folder.
    env: { ...process.env, ...ports, POSTGRES_PORT: '0', DATABASE_URL: '', KAFKA_BROKERS: '', LOCAL_DATA_DIR: scratch },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await started(pipeline);
});

afterAll(async () => {
  if (pipeline && pipeline.exitCode === null) {
    const exited = once(pipeline, 'exit');
    pipeline.kill('SIGINT');
    const timer = setTimeout(() => pipeline.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  }
  if (scratch) {
    await rm(scratch, { recursive: true, force: true });
    // As root, npm start's PostgreSQL keeps its data outside the data folder (postgres-layout.ts).
    const rootData = join(tmpdir(), 'order-pipeline-postgres-data', dataFolderName(join(scratch, 'postgres')));
    if (process.getuid?.() === 0) await rm(rootData, { recursive: true, force: true });
  }
});

interface SmokeRun {
  code: number | null;
  stdoutLines: string[];
  stderrLines: string[];
}

async function smoke(env: Record<string, string> = {}): Promise<SmokeRun> {
  const { code, stdout, stderr } = await runToEnd(process.execPath, [BOOTSTRAP, 'tsx', 'local/tools/smoke/cli.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...ports, KAFKA_BROKERS: '', ...env },
  });
  return { code, stdoutLines: nonBlankLines(stdout), stderrLines: nonBlankLines(stderr) };
}

describe('npm run smoke against npm start', () => {
  it('is the command this test runs', async () => {
    const { scripts } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.smoke).toBe('node local/services/bootstrap.mjs tsx local/tools/smoke/cli.ts');
  });

  it('passes every check and exits 0 with nothing on stderr', async () => {
    const run = await smoke();
    expect(run.stderrLines, `${run.stdoutLines.join('\n')}\n--- npm start:\n${pipelineOutput}`).toEqual([]);
    expect(run.code).toBe(0);
    const checks = run.stdoutLines.filter((line) => line.startsWith('ok ')).map((line) => line.slice(5, line.indexOf(':')));
    expect(checks).toEqual(['health', 'credentials', 'submit', 'read-back', 'dlq']);
    expect(run.stdoutLines.at(-1)).toBe('smoke test passed (5 checks)');
  });

  it('fails with one line per failure when PORT names no gateway', async () => {
    const [closed] = await distinctFreePorts(1);
    const run = await smoke({ PORT: String(closed) });
    expect(run.code).toBe(1);
    expect(run.stderrLines).toEqual([
      `health: GET http://127.0.0.1:${closed}/health failed: ECONNREFUSED`,
      `submit: POST http://127.0.0.1:${closed}/orders failed: ECONNREFUSED`,
    ]);
    expect(run.stdoutLines).toContain('skip read-back: not run: nothing was submitted');
    expect(run.stdoutLines.at(-1)).toBe('smoke test FAILED: 2 of 5 checks, 2 not run');
  });

  it('fails with the credentials line alone when AUTH_PORT names no issuer (what needs a token is not run)', async () => {
    const [closed] = await distinctFreePorts(1);
    const run = await smoke({ AUTH_PORT: String(closed) });
    expect(run.code).toBe(1);
    expect(run.stderrLines).toEqual([`credentials: issuer http://127.0.0.1:${closed} unreachable: ECONNREFUSED`]);
    expect(run.stdoutLines.filter((line) => line.startsWith('skip '))).toEqual([
      'skip submit: not run: no credentials',
      'skip read-back: not run: nothing was submitted',
      'skip dlq: not run: nothing was submitted',
    ]);
  });

  it('reports a DLQ record of its order (here written to orders.dlq as the consumer would give up on a copy)', async () => {
    const target = localTarget({ ...ports });
    const kafka = createKafka({ brokers: `127.0.0.1:${ports.KAFKA_PORT}`, clientId: 'smoke-e2e', logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const outcomes: CheckOutcome[] = [];
    try {
      const submitHeaders = target.submitHeaders;
      target.submitHeaders = async (url, body, requestHeaders) => {
        const { order_uid: orderUid } = JSON.parse(body) as { order_uid: string };
        // The on-failure destination's record, as the emulator (and AWS) writes it for a copy of this order.
        const copy = {
          topic: DEFAULT_ORDERS_TOPIC,
          partition: 0,
          offset: 0,
          timestamp: Date.now(),
          key: Buffer.from(orderUid),
          value: Buffer.from(body),
          headers: {},
        };
        const failure = { condition: 'RetriesExhausted', attempts: 11, functionError: true } as const;
        const source = {
          functionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:ingest',
          eventSourceArn: 'local',
          bootstrapServers: 'local',
        };
        await producer.send({ topic: DEFAULT_DLQ_TOPIC, messages: [toDlqMessage(copy, failure, source, 1)] });
        return submitHeaders(url, body, requestHeaders);
      };
      await runSmoke(target, { timeoutMs: 60_000 }, (outcome) => outcomes.push(outcome));
    } finally {
      await producer.disconnect();
    }
    const failed = outcomes.filter((outcome) => !outcome.ok);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.check).toBe('dlq');
    expect(failed[0]!.detail).toMatch(/^orders\.dlq gained 1 record\(s\) of order_uid smoke-[0-9a-f]{20} /);
    expect(failed[0]!.detail).toMatch(/\(RetriesExhausted after 11 invocations, function error: Unhandled\)$/);
  });
});
