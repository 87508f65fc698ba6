// The local Lambda service: runs each function as Lambda does, from the bundle `cdk synth`
// builds (infra/bundle.ts), in execution environments (environment.ts): one invocation at a time
// per environment, a warm one reused when idle, a new one (a cold start) when all are busy, up to
// the function's reserved concurrency; past that the invocation is throttled (TooManyRequestsError,
// Lambda's TooManyRequestsException). An invocation past the function's timeout ends its
// environment. Each invocation logs Lambda's REPORT line. docs/local.md describes what differs.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { bundleFunction } from '../../../infra/bundle.js';
import { ExecutionEnvironment, InitError } from './environment.js';
import { FunctionError, TooManyRequestsError } from './errors.js';
import { reportLine } from './report.js';
import type { FunctionSettings, LocalFunctionName } from './settings.js';

export { FunctionError, TooManyRequestsError } from './errors.js';

export interface LambdaServiceOptions {
  functions: Partial<Record<LocalFunctionName, FunctionSettings>>;
  /**
   * Environments a function without reserved concurrency may run at once. AWS: the account's
   * unreserved concurrency (1,000 by default, shared); locally a few processes are plenty.
   */
  unreservedConcurrency?: number;
  /** Every line the functions write, and the REPORT lines (default: stdout, prefixed `[name]`). */
  onLog?: (functionName: LocalFunctionName, line: string) => void;
}

export interface FunctionStats {
  invocations: number;
  coldStarts: number;
  throttles: number;
  /** Init Duration of each cold start, ms. */
  initDurations: number[];
  /** Environments alive now. */
  environments: number;
}

export interface LambdaService {
  /** Invokes synchronously (RequestResponse): the parsed answer, or a FunctionError / TooManyRequestsError. */
  invoke(name: LocalFunctionName, event: unknown): Promise<unknown>;
  /** `invoke` bound to one function, shaped as a handler for the emulator and the gateway. */
  handler<Result>(name: LocalFunctionName): (event: unknown) => Promise<Result>;
  stats(name: LocalFunctionName): FunctionStats;
  /** Kills every environment and removes the bundles. */
  close(): Promise<void>;
}

const ROOT = join(import.meta.dirname, '..', '..', '..');
const DEFAULT_UNRESERVED_CONCURRENCY = 10;

/** AWS's runtime interface client, with the native module its build produced. */
function runtimeClientEntry(): string {
  const entry = createRequire(import.meta.url).resolve('aws-lambda-ric');
  if (!existsSync(join(entry, '..', 'rapid-client.node'))) {
    throw new Error('aws-lambda-ric has no native client (rapid-client.node): run `npm rebuild aws-lambda-ric` (needs g++ and make)');
  }
  return entry;
}

interface FunctionState {
  name: LocalFunctionName;
  settings: FunctionSettings;
  taskRoot: string;
  cap: number;
  /** Environments that finished init. */
  environments: Set<ExecutionEnvironment>;
  /** Slots taken by environments still starting (counted against the cap). */
  starting: number;
  booting: Set<ExecutionEnvironment>;
  stats: Omit<FunctionStats, 'environments'>;
}

const defaultLog = (name: LocalFunctionName, line: string) => process.stdout.write(`[${name}] ${line}\n`);

export async function startLambdaService(options: LambdaServiceOptions): Promise<LambdaService> {
  const runtimeClient = runtimeClientEntry();
  const log = options.onLog ?? defaultLog;
  // Under the checkout, so that `@aws-sdk/*` (left out of the bundles, as the Lambda runtime ships it) resolves from node_modules.
  const workDir = join(ROOT, '.local', 'lambda', `${process.pid}-${randomUUID().slice(0, 8)}`);
  const functions = new Map<LocalFunctionName, FunctionState>();
  for (const [name, settings] of Object.entries(options.functions) as Array<[LocalFunctionName, FunctionSettings]>) {
    const taskRoot = settings.taskRoot ?? join(workDir, name);
    if (!settings.taskRoot) {
      await mkdir(taskRoot, { recursive: true });
      await bundleFunction(name, taskRoot);
    }
    const cap = settings.reservedConcurrency ?? options.unreservedConcurrency ?? DEFAULT_UNRESERVED_CONCURRENCY;
    const stats = { invocations: 0, coldStarts: 0, throttles: 0, initDurations: [] };
    functions.set(name, { name, settings, taskRoot, cap, environments: new Set(), starting: 0, booting: new Set(), stats });
  }

  const stateOf = (name: LocalFunctionName): FunctionState => {
    const state = functions.get(name);
    if (!state) throw new Error(`the local Lambda service runs no function "${name}" (it runs ${[...functions.keys()].join(', ')})`);
    return state;
  };

  /** An idle warm environment, or a new one; throttled when the function runs `cap` already. */
  const acquire = async (state: FunctionState): Promise<{ environment: ExecutionEnvironment; initMs?: number }> => {
    for (const environment of state.environments) {
      if (!environment.busy && environment.alive) {
        environment.busy = true;
        return { environment };
      }
    }
    if (state.environments.size + state.starting >= state.cap) {
      state.stats.throttles += 1;
      throw new TooManyRequestsError(state.name, state.cap);
    }
    state.starting += 1;
    try {
      const environment = await ExecutionEnvironment.start({
        functionName: state.name,
        taskRoot: state.taskRoot,
        handler: 'index.handler',
        memoryMiB: state.settings.memoryMiB,
        environment: state.settings.environment,
        runtimeClient,
        onLog: (line) => log(state.name, line),
      });
      environment.busy = true;
      state.booting.add(environment);
      const initMs = await environment.ready.finally(() => state.booting.delete(environment));
      state.environments.add(environment);
      state.stats.coldStarts += 1;
      state.stats.initDurations.push(initMs);
      return { environment, initMs };
    } finally {
      state.starting -= 1;
    }
  };

  const invoke = async (name: LocalFunctionName, event: unknown): Promise<unknown> => {
    const state = stateOf(name);
    const requestId = randomUUID();
    const started = performance.now();
    let acquired: Awaited<ReturnType<typeof acquire>>;
    try {
      acquired = await acquire(state);
    } catch (error) {
      if (!(error instanceof InitError)) throw error;
      log(name, reportLine({ requestId, durationMs: performance.now() - started, memoryMiB: state.settings.memoryMiB, status: 'error', errorType: error.body.errorType }));
      throw new FunctionError(name, error.body);
    }
    const { environment, initMs } = acquired;
    state.stats.invocations += 1;
    const invokeStarted = performance.now();
    const timeoutMs = state.settings.timeoutSeconds * 1000;
    const outcome = await environment.invoke(requestId, JSON.stringify(event ?? null), timeoutMs, `arn:aws:lambda:eu-west-1:000000000000:function:${name}`);
    const durationMs = performance.now() - invokeStarted;
    environment.busy = false;
    if (!environment.alive) state.environments.delete(environment);
    const base = { requestId, durationMs, memoryMiB: state.settings.memoryMiB, maxMemoryUsedMiB: outcome.maxMemoryUsedMiB, initMs };
    if (outcome.kind === 'timeout') {
      log(name, reportLine({ ...base, status: 'timeout' }));
      throw new FunctionError(name, { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` });
    }
    if (outcome.kind === 'exit') {
      log(name, reportLine({ ...base, status: 'error', errorType: outcome.error.errorType }));
      throw new FunctionError(name, outcome.error);
    }
    log(name, reportLine(base));
    if (!outcome.answer.ok) throw new FunctionError(name, outcome.answer.error);
    return outcome.answer.payload === '' ? null : (JSON.parse(outcome.answer.payload) as unknown);
  };

  return {
    invoke,
    handler: <Result>(name: LocalFunctionName) => {
      stateOf(name);
      return (event: unknown) => invoke(name, event) as Promise<Result>;
    },
    stats: (name) => {
      const state = stateOf(name);
      return { ...state.stats, initDurations: [...state.stats.initDurations], environments: state.environments.size };
    },
    close: async () => {
      const all = [...functions.values()].flatMap((state) => [...state.environments, ...state.booting]);
      await Promise.all(all.map((environment) => environment.kill()));
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
