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
import { serializing } from '../serialized-events.js';
import { FunctionPool, type FunctionStats } from './function-pool.js';
import type { FunctionSettings, LocalFunctionName } from './settings.js';

export { FunctionError, TooManyRequestsError } from './errors.js';
export type { FunctionStats } from './function-pool.js';

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

export interface LambdaService {
  /** Invokes synchronously (RequestResponse): the parsed answer, or a FunctionError / TooManyRequestsError. */
  invoke(name: LocalFunctionName, event: unknown): Promise<unknown>;
  /** `invoke` bound to one function, shaped as a handler for the emulator and the gateway (it sends events on as JSON: serialized-events.ts). */
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

const defaultLog = (name: LocalFunctionName, line: string) => process.stdout.write(`[${name}] ${line}\n`);

export async function startLambdaService(options: LambdaServiceOptions): Promise<LambdaService> {
  const runtimeClient = runtimeClientEntry();
  const log = options.onLog ?? defaultLog;
  // Under the checkout's .local/ (gitignored), so that a run's bundles are found and removed with its data.
  const workDir = join(ROOT, '.local', 'lambda', `${process.pid}-${randomUUID().slice(0, 8)}`);
  const functions = new Map<LocalFunctionName, FunctionPool>();
  for (const [name, settings] of Object.entries(options.functions) as Array<[LocalFunctionName, FunctionSettings]>) {
    const taskRoot = settings.taskRoot ?? join(workDir, name);
    if (!settings.taskRoot) {
      await mkdir(taskRoot, { recursive: true });
      await bundleFunction(name, taskRoot);
    }
    const cap = settings.reservedConcurrency ?? options.unreservedConcurrency ?? DEFAULT_UNRESERVED_CONCURRENCY;
    functions.set(name, new FunctionPool({ name, settings, taskRoot, cap, runtimeClient, log: (line) => log(name, line) }));
  }

  const poolOf = (name: LocalFunctionName): FunctionPool => {
    const pool = functions.get(name);
    if (!pool) throw new Error(`the local Lambda service runs no function "${name}" (it runs ${[...functions.keys()].join(', ')})`);
    return pool;
  };
  const invoke = (name: LocalFunctionName, event: unknown) => poolOf(name).invoke(event);

  return {
    invoke,
    handler: <Result>(name: LocalFunctionName) => {
      const pool = poolOf(name);
      return serializing((event: unknown) => pool.invoke(event) as Promise<Result>);
    },
    stats: (name) => poolOf(name).stats(),
    close: async () => {
      await Promise.all([...functions.values()].map((pool) => pool.close()));
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
