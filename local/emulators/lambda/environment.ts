// One execution environment: a Node.js process of its own that runs AWS's runtime interface client
// (npm aws-lambda-ric, the client the Lambda Node.js runtime is built on) against a local Runtime
// API server (runtime-api.ts). The client loads the function's bundle from LAMBDA_TASK_ROOT with
// the function's environment only (not this process's), the heap capped from the memory size, and
// asks for events one at a time. An invocation past its timeout kills the process, as Lambda ends
// the environment; so does a crash. Init ends at the runtime's first `next` request.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type FunctionErrorBody, type RuntimeAnswer, type RuntimeApi, startRuntimeApi } from './runtime-api.js';
import { PipelineError } from '../../../shared/errors.js';

export interface EnvironmentSpec {
  functionName: string;
  /** The folder holding the bundle (LAMBDA_TASK_ROOT). */
  taskRoot: string;
  /** `<file without extension>.<export>`, e.g. `index.handler` (_HANDLER). */
  handler: string;
  memoryMiB: number;
  environment: Record<string, string>;
  /** The runtime client's entry script. */
  runtimeClient: string;
  /** Where the environment's stdout and stderr lines go. */
  onLog(line: string): void;
}

export type EnvironmentOutcome = (
  | { kind: 'answer'; answer: RuntimeAnswer }
  | { kind: 'timeout' }
  | { kind: 'exit'; error: FunctionErrorBody }
) & { maxMemoryUsedMiB?: number | undefined };

const REGION = 'eu-west-1';

/**
 * The variables Lambda defines for every function (lambda/latest/dg/configuration-envvars.html,
 * "Defined runtime environment variables"), then the function's own. The execution role's
 * credentials are dummies: the only AWS endpoint here is LocalStack, which accepts any.
 */
function runtimeVariables(spec: EnvironmentSpec, runtimeApi: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    _HANDLER: spec.handler,
    LAMBDA_TASK_ROOT: spec.taskRoot,
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMiB),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SESSION_TOKEN: 'test',
    ...spec.environment,
  };
}

/** The V8 heap limit for a memory size: 90 % of it, leaving the rest to buffers and native memory (our choice). */
export function heapLimitMiB(memoryMiB: number): number {
  return Math.floor(memoryMiB * 0.9);
}

/**
 * Peak resident memory of a process (VmHWM), in MB, or undefined where /proc is not readable.
 * Read synchronously: /proc is generated in memory, never waits on a disk, and the promise API's
 * round through the thread pool costs several times the read itself, on every invocation.
 */
function peakMemoryMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kib === undefined ? undefined : Math.ceil(Number(kib) / 1024);
  } catch {
    return undefined;
  }
}

export class ExecutionEnvironment {
  busy = false;
  /** Resolves with the init duration once the runtime asks for its first event; rejects if init fails. */
  readonly ready: Promise<number>;
  private exitError: FunctionErrorBody | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly api: RuntimeApi,
    started: number,
    nextRequested: Promise<void>,
    initFailed: Promise<FunctionErrorBody>,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitError = {
          errorType: 'Runtime.ExitError',
          errorMessage: `Runtime exited with error: ${signal ? `signal: ${signal}` : `exit status ${code}`}`,
        };
        resolve();
      }),
    );
    const exitedFirst = this.exited.then(() => Promise.reject(new InitError(this.exitError!)));
    const initError = initFailed.then((error) => Promise.reject(new InitError(error)));
    this.ready = Promise.race([nextRequested.then(() => performance.now() - started), initError, exitedFirst]);
    this.ready.catch(() => this.kill());
  }

  static async start(spec: EnvironmentSpec): Promise<ExecutionEnvironment> {
    let onNext!: () => void;
    let onInitError!: (error: FunctionErrorBody) => void;
    const nextRequested = new Promise<void>((resolve) => (onNext = resolve));
    const initFailed = new Promise<FunctionErrorBody>((resolve) => (onInitError = resolve));
    const api = await startRuntimeApi({ onNext: () => onNext(), onInitError: (error) => onInitError(error) });
    const started = performance.now();
    const child = spawn(process.execPath, [`--max-old-space-size=${heapLimitMiB(spec.memoryMiB)}`, spec.runtimeClient], {
      cwd: spec.taskRoot,
      env: runtimeVariables(spec, api.address),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream! }).on('line', spec.onLog);
    return new ExecutionEnvironment(child, api, started, nextRequested, initFailed);
  }

  get alive(): boolean {
    return this.exitError === undefined;
  }

  /** Runs one invocation; past `timeoutMs` the environment is killed. */
  async invoke(requestId: string, payload: Buffer, timeoutMs: number, functionArn: string): Promise<EnvironmentOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const deadlineMs = Date.now() + timeoutMs;
    const traceId = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${requestId.replaceAll('-', '').slice(0, 24)};Sampled=0`;
    const answered = this.api
      .invoke({ requestId, payload, deadlineMs, functionArn, traceId })
      .then((answer): EnvironmentOutcome => ({ kind: 'answer', answer }));
    const timedOut = new Promise<EnvironmentOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
    });
    const exited = this.exited.then((): EnvironmentOutcome => ({ kind: 'exit', error: this.exitError! }));
    try {
      const outcome = await Promise.race([answered, timedOut, exited]);
      const maxMemoryUsedMiB = peakMemoryMiB(this.child.pid);
      if (outcome.kind === 'timeout') await this.kill();
      return { ...outcome, maxMemoryUsedMiB };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the process (SIGKILL, as Lambda ends a timed-out environment) and its Runtime API server. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
    await this.api.close();
  }
}

/** The handler could not be loaded (Runtime.ImportModuleError and the like) or the runtime exited during init. */
export class InitError extends PipelineError {
  override readonly name = 'InitError';
  constructor(readonly body: FunctionErrorBody) {
    super('defect', `${body.errorType}: ${body.errorMessage}`);
  }
}
