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
