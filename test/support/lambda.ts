/**
 * The Lambda context for tests and benchmarks: the one the local emulators pass to the handlers
 * (local/emulators/lambda-context.ts), so that a test sees what a local run sees. The handlers
 * read it for log fields and for their remaining time (the ingest outage budget's cap).
 */
import type { Context } from 'aws-lambda';
import { localLambdaContext } from '../../local/emulators/lambda-context.js';

export function lambdaContext({
  functionName = 'test',
  timeoutMs = 60_000,
  requestId,
}: {
  functionName?: string;
  timeoutMs?: number;
  requestId?: string;
} = {}): Context {
  return localLambdaContext({ functionName, timeoutMs, ...(requestId === undefined ? {} : { requestId }) });
}

/**
 * The functions as `npm start` runs them: their bundles in execution environments of the local
 * Lambda service, with the deployed settings against `databaseUrl` and `brokers`. `lines`
 * collects what the environments write (the handlers' log lines and the REPORT lines).
 */
export async function startLocalFunctions(
  databaseUrl: string,
  brokers: string,
  {
    names = ['ingest'],
    logLevel = 'WARN',
    topic = 'orders',
    auth,
  }: { names?: Array<'ingest' | 'api' | 'submit'>; logLevel?: string; topic?: string; auth?: Record<string, string> } = {},
) {
  const { startLambdaService } = await import('../../local/emulators/lambda/service.js');
  const { localFunctionSettings } = await import('../../local/emulators/lambda/settings.js');
  const lines: string[] = [];
  const settings = localFunctionSettings({
    database: { url: databaseUrl },
    kafkaBrokers: brokers,
    topic,
    logLevel,
    ...(auth ? { auth } : {}),
  });
  const functions = Object.fromEntries(names.map((name) => [name, settings[name]]));
  const service = await startLambdaService({ functions, onLog: (name, line) => lines.push(`[${name}] ${line}`) });
  return { service, lines };
}

/** The ingest function alone (startLocalFunctions), with its handler for the mapping emulator. */
export async function startIngestFunction(databaseUrl: string, brokers: string, options: { logLevel?: string } = {}) {
  const { service, lines } = await startLocalFunctions(databaseUrl, brokers, options);
  return { service, lines, handler: service.handler('ingest') };
}
