// One cold start for bench/cold-start.bench.ts, in plain Node (no tsx loader, as in Lambda).
//   node cold-start-child.mjs                     -> the empty start: writes "init" and exits
//   node cold-start-child.mjs BUNDLE [EVENT_FILE] -> imports the bundle, writes "init", then (with an
//                                                    event) invokes `handler` once and writes its result
// The parent times spawn-to-"init" for both and subtracts: the import of the bundle, as Lambda's
// Init Duration counts it (module load and top-level code), beyond Node's own start.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bundle, eventFile] = process.argv.slice(2);
if (!bundle) {
  process.stdout.write('init\n');
  process.exit(0);
}
const module = await import(pathToFileURL(bundle).href);
process.stdout.write('init\n');
if (eventFile) {
  const event = JSON.parse(readFileSync(eventFile, 'utf8'));
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'bench';
  const deadline = Date.now() + 60_000;
  const context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:000000000000:function:${name}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '512',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
  const started = performance.now();
  let outcome;
  try {
    const result = await module.handler(event, context);
    outcome = {
      status: result?.statusCode ?? (Array.isArray(result?.batchItemFailures) ? `${result.batchItemFailures.length} failures` : 'ok'),
    };
  } catch (error) {
    outcome = { status: `threw ${error?.name ?? 'error'}: ${error?.message ?? ''}`.slice(0, 200) };
  }
  const invokeMs = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ invokeMs, ...outcome })}\n`);
}
process.exit(0);
