/**
 * The local Lambda service with real processes: AWS's runtime interface client in each execution
 * environment, against the service's Runtime API. A stand-in function
 * (test/fixtures/lambda/sleeper/index.mjs) shows the environment model; the api function's real
 * bundle shows that what deploys runs (the page needs no database).
 */
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../local/emulators/gateway.js';
import { parseReport } from '../../local/emulators/lambda/report.js';
import { FunctionError, type LambdaService, startLambdaService, TooManyRequestsError } from '../../local/emulators/lambda/service.js';
import { localFunctionSettings } from '../../local/emulators/lambda/settings.js';
import { apiGet } from '../support/api-events.js';

const SLEEPER = join(import.meta.dirname, '..', 'fixtures', 'lambda', 'sleeper');

interface SleeperAnswer {
  invocations: number;
  pid: number;
  deadlineMs: number;
  memory: string;
  greeting: string | null;
  parentVariable: string | null;
  execArgv: string[];
}

let service: LambdaService;
const lines: string[] = [];

beforeAll(async () => {
  service = await startLambdaService({
    functions: {
      // Registered under function names the service knows; the bundle is the stand-in. `submit`'s timeout is
      // far beyond any answer, so that only `ingest` (1 s, run with invocations that never answer) times out.
      submit: { memoryMiB: 256, timeoutSeconds: 60, reservedConcurrency: 2, environment: { GREETING: 'hello' }, taskRoot: SLEEPER },
      ingest: { memoryMiB: 256, timeoutSeconds: 1, environment: {}, taskRoot: SLEEPER },
      api: localFunctionSettings({
        database: { url: 'postgres://nobody:none@127.0.0.1:1/none' },
        kafkaBrokers: '127.0.0.1:1',
        topic: 'orders',
      }).api,
    },
    onLog: (name, line) => lines.push(`[${name}] ${line}`),
  });
}, 120_000);

afterAll(async () => {
  await service?.close();
});

const sleeper = (event: Record<string, unknown>) => service.invoke('submit', event) as Promise<SleeperAnswer>;
const reports = () => lines.filter((line) => line.startsWith('[submit] REPORT')).map((line) => parseReport(line)!);

describe('local Lambda service', () => {
  it('starts an environment on the first invocation (Init Duration in its REPORT line) and reuses it warm', async () => {
    const first = await sleeper({});
    const second = await sleeper({});
    expect(second.pid).toBe(first.pid);
    expect(second.invocations).toBe(first.invocations + 1);
    const [cold, warm] = reports().slice(-2);
    expect(cold!.initMs).toBeGreaterThan(0);
    expect(warm!.initMs).toBeUndefined();
    expect(warm!.memoryMiB).toBe(256);
    expect(warm!.maxMemoryUsedMiB).toBeGreaterThan(10);
  });

  it("gives the function its own environment variables, not this process's, a heap bounded by its memory size, and a deadline its timeout after the invocation", async () => {
    const before = Date.now();
    const answer = await sleeper({});
    const after = Date.now();
    expect(answer.greeting).toBe('hello');
    expect(answer.parentVariable).toBeNull();
    expect(answer.memory).toBe('256');
    expect(answer.execArgv).toContain('--max-old-space-size=230');
    // Ordering, not elapsed time: the service set the deadline between `before` and `after`.
    expect(answer.deadlineMs).toBeGreaterThanOrEqual(before + 60_000);
    expect(answer.deadlineMs).toBeLessThanOrEqual(after + 60_000);
  });

  it('runs concurrent invocations in separate environments up to the reserved concurrency and throttles the next', async () => {
    const throttlesBefore = service.stats('submit').throttles;
    // The three calls reach the service in the same tick, before any answers: the third finds both slots taken.
    const results = await Promise.allSettled([sleeper({}), sleeper({}), sleeper({})]);
    const answers = results.filter((result) => result.status === 'fulfilled').map((result) => result.value);
    const rejected = results.filter((result) => result.status === 'rejected').map((result) => result.reason as unknown);
    expect(new Set(answers.map((answer) => answer.pid)).size).toBe(2);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toBeInstanceOf(TooManyRequestsError);
    expect((rejected[0] as TooManyRequestsError).statusCode).toBe(429);
    expect(service.stats('submit').throttles).toBe(throttlesBefore + 1);
  });

  it('reports a thrown error as a function error and keeps the environment warm', async () => {
    const before = await sleeper({});
    const error = await sleeper({ fail: 'broken on purpose' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FunctionError);
    expect((error as FunctionError).errorType).toBe('TypeError');
    expect((await sleeper({})).pid).toBe(before.pid);
  });

  it('ends the environment of an invocation past its timeout; the next invocation starts a new one', async () => {
    // Invocations that never answer: only the timeout ends them, however busy the machine.
    const hang = () => service.invoke('ingest', { hang: true }).catch((caught: unknown) => caught);
    const error = await hang();
    expect(error).toBeInstanceOf(FunctionError);
    expect((error as FunctionError).errorType).toBe('Sandbox.Timedout');
    expect((error as Error).message).toBe('Task timed out after 1.00 seconds');
    expect(lines.some((line) => line.startsWith('[ingest] REPORT') && line.endsWith('Status: timeout'))).toBe(true);
    expect(service.stats('ingest')).toMatchObject({ environments: 0, coldStarts: 1 });
    expect(await hang()).toBeInstanceOf(FunctionError);
    expect(service.stats('ingest')).toMatchObject({ environments: 0, coldStarts: 2 });
  });

  it("runs the api function's real bundle: the page comes back from the environment", async () => {
    const result = (await service.invoke('api', apiGet('/'))) as Exclude<APIGatewayProxyResultV2, string>;
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('<title>Order lookup</title>');
    expect(lines.some((line) => line.startsWith('[api] REPORT') && line.includes('Init Duration'))).toBe(true);
  });

  it('is answered by the gateway as API Gateway answers: a throttled function 500, a failing one 502', async () => {
    const failing = (error: Error) => async (): Promise<APIGatewayProxyResultV2> => {
      throw error;
    };
    const gateway = await startGateway({
      functions: {
        api: failing(new TooManyRequestsError('api', 10)),
        submit: failing(new FunctionError('submit', { errorType: 'TypeError', errorMessage: 'x' })),
      },
    });
    try {
      const throttled = await fetch(`${gateway.url}/orders/abc`);
      expect(throttled.status).toBe(500);
      expect(await throttled.json()).toEqual({ message: 'Internal Server Error' });
      const failed = await fetch(`${gateway.url}/orders`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(failed.status).toBe(502);
    } finally {
      await gateway.close();
    }
  });
});
