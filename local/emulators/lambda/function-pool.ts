// The execution environments of one function: an idle warm one for each invocation, else a new
// one (a cold start) while fewer than `cap` run, else a throttle; an environment that timed out or
// crashed leaves the pool. Each invocation logs its REPORT line.
import { randomUUID } from 'node:crypto';
import { payloadOf } from '../serialized-events.js';
import { type EnvironmentOutcome, ExecutionEnvironment, InitError } from './environment.js';
import { FunctionError, TooManyRequestsError } from './errors.js';
import { reportLine } from './report.js';
import type { FunctionSettings, LocalFunctionName } from './settings.js';

export interface FunctionStats {
  invocations: number;
  coldStarts: number;
  throttles: number;
  /** Init Duration of each cold start, ms. */
  initDurations: number[];
  /** Environments alive now. */
  environments: number;
}

export interface PoolSettings {
  name: LocalFunctionName;
  settings: FunctionSettings;
  taskRoot: string;
  /** Environments at most: the reserved concurrency (or the local unreserved cap). */
  cap: number;
  runtimeClient: string;
  log: (line: string) => void;
}

export class FunctionPool {
  /** Environments that finished init. */
  private readonly ready = new Set<ExecutionEnvironment>();
  /** Environments still in init (their slots count against the cap). */
  private readonly booting = new Set<ExecutionEnvironment>();
  private starting = 0;
  private readonly counts = { invocations: 0, coldStarts: 0, throttles: 0, initDurations: [] as number[] };

  constructor(private readonly pool: PoolSettings) {}

  stats(): FunctionStats {
    return { ...this.counts, initDurations: [...this.counts.initDurations], environments: this.ready.size };
  }

  /** One synchronous invocation: the parsed answer, or a FunctionError / TooManyRequestsError. */
  async invoke(event: unknown): Promise<unknown> {
    const { name, settings } = this.pool;
    const requestId = randomUUID();
    const started = performance.now();
    let acquired: { environment: ExecutionEnvironment; initMs?: number };
    try {
      acquired = await this.acquire();
    } catch (error) {
      if (!(error instanceof InitError)) throw error;
      this.pool.log(
        reportLine({
          requestId,
          durationMs: performance.now() - started,
          memoryMiB: settings.memoryMiB,
          status: 'error',
          errorType: error.body.errorType,
        }),
      );
      throw new FunctionError(name, error.body);
    }
    const { environment, initMs } = acquired;
    this.counts.invocations += 1;
    const invokeStarted = performance.now();
    const timeoutMs = settings.timeoutSeconds * 1000;
    const outcome = await environment.invoke(
      requestId,
      payloadOf(event),
      timeoutMs,
      `arn:aws:lambda:eu-west-1:000000000000:function:${name}`,
    );
    const durationMs = performance.now() - invokeStarted;
    environment.busy = false;
    if (!environment.alive) this.ready.delete(environment);
    this.report(outcome, { requestId, durationMs, memoryMiB: settings.memoryMiB, maxMemoryUsedMiB: outcome.maxMemoryUsedMiB, initMs });
    return this.answer(outcome, timeoutMs);
  }

  async close(): Promise<void> {
    await Promise.all([...this.ready, ...this.booting].map((environment) => environment.kill()));
  }

  private report(outcome: EnvironmentOutcome, base: Parameters<typeof reportLine>[0]): void {
    if (outcome.kind === 'timeout') this.pool.log(reportLine({ ...base, status: 'timeout' }));
    else if (outcome.kind === 'exit') this.pool.log(reportLine({ ...base, status: 'error', errorType: outcome.error.errorType }));
    else this.pool.log(reportLine(base));
  }

  private answer(outcome: EnvironmentOutcome, timeoutMs: number): unknown {
    const { name } = this.pool;
    if (outcome.kind === 'timeout') {
      throw new FunctionError(name, {
        errorType: 'Sandbox.Timedout',
        errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
      });
    }
    if (outcome.kind === 'exit') throw new FunctionError(name, outcome.error);
    if (!outcome.answer.ok) throw new FunctionError(name, outcome.answer.error);
    return outcome.answer.payload === '' ? null : (JSON.parse(outcome.answer.payload) as unknown);
  }

  /** An idle warm environment, or a new one; throttled when the function runs `cap` already. */
  private async acquire(): Promise<{ environment: ExecutionEnvironment; initMs?: number }> {
    for (const environment of this.ready) {
      if (!environment.busy && environment.alive) {
        environment.busy = true;
        return { environment };
      }
    }
    if (this.ready.size + this.starting >= this.pool.cap) {
      this.counts.throttles += 1;
      throw new TooManyRequestsError(this.pool.name, this.pool.cap);
    }
    this.starting += 1;
    try {
      return await this.coldStart();
    } finally {
      this.starting -= 1;
    }
  }

  private async coldStart(): Promise<{ environment: ExecutionEnvironment; initMs: number }> {
    const { name, settings, taskRoot, runtimeClient, log } = this.pool;
    const environment = await ExecutionEnvironment.start({
      functionName: name,
      taskRoot,
      handler: 'index.handler',
      memoryMiB: settings.memoryMiB,
      environment: settings.environment,
      runtimeClient,
      onLog: log,
    });
    environment.busy = true;
    this.booting.add(environment);
    const initMs = await environment.ready.finally(() => this.booting.delete(environment));
    this.ready.add(environment);
    this.counts.coldStarts += 1;
    this.counts.initDurations.push(initMs);
    return { environment, initMs };
  }
}
