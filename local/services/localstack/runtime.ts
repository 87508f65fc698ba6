/**
 * LocalStack's runtime from PyPI (localstack-core), run on the host without Docker: the local AWS
 * endpoint of `npm start` and the tests. Started as `python -m localstack.runtime.main` from the
 * project's virtual environment (venv.ts) on 127.0.0.1:LOCALSTACK_PORT only: Hypercorn as the
 * gateway (the default server binds 0.0.0.0 whatever GATEWAY_LISTEN says) and its DNS server off.
 * Its state lives in memory (FILESYSTEM_ROOT holds caches only), so each start begins empty.
 * Ready when GET /_localstack/health answers; when AWS_ENDPOINT_URL already names a LocalStack
 * that answers, that one is used instead and nothing is started.
 */
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { spawnGuarded } from '../guarded-process.js';
import { assertPortFree, LocalSetupError, telltaleLine } from '../setup-error.js';
import { PART } from './python.js';
import { ensureVenv, venvBin } from './venv.js';

export { PART } from './python.js';

export interface LocalStack {
  /** The endpoint the AWS SDK and awslocal take as AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  /** False when AWS_ENDPOINT_URL named a LocalStack already running. */
  readonly started: boolean;
  /** Resolves when the runtime this started exits (never for one already running). */
  readonly exited: Promise<void>;
  /** The runtime's last output lines (for a report when it died). */
  output(): string;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  port: number;
  /** FILESYSTEM_ROOT: LocalStack's cache and temporary files. */
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  onInstall?: (venv: string) => void;
  /** Upper bound of the wait for the first healthy answer. */
  readyTimeoutMs?: number;
}

const PORT_REMEDY =
  'set LOCALSTACK_PORT to a free port, or stop the program that uses it (or set AWS_ENDPOINT_URL to a LocalStack already running)';
const HEALTH_PATH = '/_localstack/health';
const POLL_MS = 250;
const STOP_GRACE_MS = 3_000;

/**
 * True when `endpoint` answers LocalStack's health check. Over a connection of its own that closes
 * after the answer (fetch would keep it open, and LocalStack's server waits for open connections
 * when it is told to stop).
 */
export function isLocalStack(endpoint: string): Promise<boolean> {
  return new Promise((resolveCheck) => {
    const url = new URL(HEALTH_PATH, endpoint);
    const request = (url.protocol === 'https:' ? https : http).get(url, { agent: false, timeout: 5_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('error', () => resolveCheck(false));
      response.on('end', () => {
        try {
          resolveCheck(response.statusCode === 200 && typeof (JSON.parse(body) as { services?: unknown }).services === 'object');
        } catch {
          resolveCheck(false);
        }
      });
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolveCheck(false));
  });
}

/** A LocalStack that runs elsewhere (AWS_ENDPOINT_URL); a LocalSetupError when it does not answer. */
export async function existingLocalStack(endpoint: string): Promise<LocalStack> {
  if (!(await isLocalStack(endpoint))) {
    throw new LocalSetupError(
      PART,
      `AWS_ENDPOINT_URL=${endpoint} does not answer ${HEALTH_PATH}`,
      'start that LocalStack (e.g. docker compose -f docker-compose.localstack.yml up -d), or unset AWS_ENDPOINT_URL to run one here',
    );
  }
  return { endpoint, started: false, exited: new Promise<void>(() => {}), output: () => '', stop: async () => {} };
}

/** Polls the health check until it answers, the runtime exits, or `timeoutMs` passes. */
async function waitUntilHealthy(endpoint: string, exited: Promise<void>, timeoutMs: number): Promise<'ready' | 'exited' | 'timeout'> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (!gone && Date.now() < deadline) {
    if (await isLocalStack(endpoint)) return 'ready';
    await new Promise((resolveWait) => setTimeout(resolveWait, POLL_MS));
  }
  return gone ? 'exited' : 'timeout';
}

/** Installs (if need be) and starts LocalStack on 127.0.0.1:`port`; resolves once it is healthy. */
export async function startLocalStack({
  port,
  dataDir,
  env = process.env,
  onInstall,
  readyTimeoutMs = 120_000,
}: LocalStackOptions): Promise<LocalStack> {
  await assertPortFree(port, PART, PORT_REMEDY);
  const venv = await ensureVenv({ env, onInstall });
  await mkdir(dataDir, { recursive: true });
  const listen = `127.0.0.1:${port}`;
  const server = spawnGuarded({
    command: venvBin(venv, 'python'),
    args: ['-m', 'localstack.runtime.main'],
    cwd: dataDir,
    env: {
      ...env,
      GATEWAY_SERVER: 'hypercorn',
      GATEWAY_LISTEN: listen,
      DNS_ADDRESS: '0',
      FILESYSTEM_ROOT: dataDir,
      SKIP_SSL_CERT_DOWNLOAD: '1',
      DISABLE_EVENTS: '1',
      // Not the caller's endpoint settings: this process is the endpoint.
      AWS_ENDPOINT_URL: '',
    },
    stopSignal: 'TERM',
  });
  const endpoint = `http://${listen}`;
  const outcome = await waitUntilHealthy(endpoint, server.exited, readyTimeoutMs);
  // Its state is in memory, so a stop that takes long (its server waits for clients' open
  // connections) loses nothing when it ends in SIGKILL.
  const stop = () => server.stop(STOP_GRACE_MS);
  if (outcome === 'ready') return { endpoint, started: true, exited: server.exited, output: server.output, stop };
  await server.stop(5_000);
  if (outcome === 'timeout') {
    throw new LocalSetupError(
      PART,
      `${endpoint}${HEALTH_PATH} did not answer within ${readyTimeoutMs / 1000} s (${telltaleLine(server.output())})`,
      'the machine may be overloaded: try again, or start LocalStack yourself and set AWS_ENDPOINT_URL',
    );
  }
  const output = server.output();
  if (/address already in use|Errno 98/i.test(output)) throw new LocalSetupError(PART, `port ${port} on 127.0.0.1 is taken`, PORT_REMEDY);
  throw new LocalSetupError(
    PART,
    `its runtime stopped while starting (${telltaleLine(output)})`,
    `delete ${venv} to reinstall it, or start LocalStack yourself and set AWS_ENDPOINT_URL`,
  );
}

/** The LocalStack that AWS_ENDPOINT_URL names, if set; else one started here (LocalSetupErrors as above). */
export function openLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const given = (options.env ?? process.env).AWS_ENDPOINT_URL;
  return given ? existingLocalStack(given) : startLocalStack(options);
}
