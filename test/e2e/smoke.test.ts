/**
 * `npm run smoke` against a real `npm start`, both as processes run the way their npm scripts run
 * them (`node local/services/bootstrap.mjs tsx …`): `npm start` on free ports with its own data
 * folder (test/support/npm-start.ts), so its own PostgreSQL, Kafka broker, issuer, gateway and LocalStack.
 * The smoke test must pass; pointed at a wrong port it must fail with one line per failure.
 */
import { spawnSync } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toDlqMessage } from '../../local/emulators/esm/dlq-record.js';
import { runSmoke, type CheckOutcome } from '../../local/tools/smoke/checks.js';
import { localTarget } from '../../local/tools/smoke/local-target.js';
import { createKafka } from '../../shared/kafka/client.js';
import { DEFAULT_DLQ_TOPIC, DEFAULT_ORDERS_TOPIC } from '../../shared/kafka/topics.js';
import { BOOTSTRAP, distinctFreePorts, type NpmStart, startNpmStart } from '../support/npm-start.js';
import { nonBlankLines, runToEnd } from '../support/processes.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

let pipeline: NpmStart;
const ports = { PORT: '', AUTH_PORT: '', KAFKA_PORT: '' };

beforeAll(async () => {
  // Its own LocalStack too: this test covers npm start installing and starting it.
  pipeline = await startNpmStart('orders-smoke-e2e-');
  const { PORT, AUTH_PORT, KAFKA_PORT } = pipeline.ports;
  Object.assign(ports, { PORT, AUTH_PORT, KAFKA_PORT });
});

afterAll(async () => {
  await pipeline?.stop();
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
    expect(run.stderrLines, `${run.stdoutLines.join('\n')}\n--- npm start:\n${pipeline.output()}`).toEqual([]);
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

/** Processes whose working directory is `dir` (LocalStack's runtime and its guard run in its data folder), with their argv. */
async function processesIn(dir: string): Promise<Array<{ pid: number; argv: string[] }>> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const found = await Promise.all(
    pids.map(async (pid) => {
      const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      return { pid: Number(pid), cwd, argv: cmdline.split('\0').filter(Boolean) };
    }),
  );
  return found.filter((process) => process.cwd === dir).map(({ pid, argv }) => ({ pid, argv }));
}

// Last: it ends the npm start of this file.
describe('npm start when its LocalStack dies', () => {
  it('ends with one line naming LocalStack, and leaves nothing running', async () => {
    const localStackDir = join(pipeline.dataDir, 'localstack');
    // Not its guard (`/bin/sh -c … local-server-guard TERM …/python -m localstack.runtime.main`): the runtime itself.
    const runtimes = (await processesIn(localStackDir)).filter(
      // argv, not a joined command line: the clone's path may hold spaces.
      ({ argv }) => /python[\d.]*$/.test(argv[0] ?? '') && argv[1] === '-m' && argv[2] === 'localstack.runtime.main',
    );
    expect(runtimes).toHaveLength(1);
    process.kill(runtimes[0]!.pid, 'SIGKILL');
    expect(await pipeline.exited).toBe(1);
    const lines = nonBlankLines(pipeline.output());
    expect(lines.at(-1)).toMatch(
      /^LocalStack stopped: its runtime at http:\/\/127\.0\.0\.1:\d+ stopped while npm start ran \(.*\)\. Fix: start npm start again/,
    );
    expect(await processesIn(localStackDir)).toEqual([]);
    expect(spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout).not.toContain(pipeline.dataDir);
  });
});
