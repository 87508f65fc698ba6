import type { Context } from 'aws-lambda';
import { localLambdaContext } from '../../local/emulators/lambda-context.js';

/**
 * The Lambda context for tests and benchmarks: the one the local emulators pass to the handlers
 * (local/emulators/lambda-context.ts), so that a test sees what a local run sees. The handlers
 * read it for log fields and for their remaining time (the ingest outage budget's cap).
 */
export function lambdaContext({ functionName = 'test', timeoutMs = 60_000, requestId }: { functionName?: string; timeoutMs?: number; requestId?: string } = {}): Context {
  return localLambdaContext({ functionName, timeoutMs, ...(requestId === undefined ? {} : { requestId }) });
}

/**
 * The ingest function as `npm start` runs it: its bundle in execution environments of the local
 * Lambda service, with the deployed settings against `databaseUrl`. `lines` collects what the
 * environments write (the handler's log lines and the REPORT lines).
 */
export async function startIngestFunction(databaseUrl: string, brokers: string, { logLevel = 'WARN' } = {}) {
  const { startLambdaService } = await import('../../local/emulators/lambda/service.js');
  const { localFunctionSettings } = await import('../../local/emulators/lambda/settings.js');
  const lines: string[] = [];
  const { ingest } = localFunctionSettings({ databaseUrl, kafkaBrokers: brokers, topic: 'orders', logLevel });
  const service = await startLambdaService({ functions: { ingest }, onLog: (_name, line) => lines.push(line) });
  return { service, lines, handler: service.handler('ingest') };
}
