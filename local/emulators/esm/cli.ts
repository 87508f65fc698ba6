/**
 * `npm run esm:local`: the MSK event-source mapping emulator in the foreground, invoking
 * functions/ingest/handler.ts. Needs DATABASE_URL and a broker (KAFKA_BROKERS or --brokers).
 * Ctrl+C (SIGINT/SIGTERM) lets the invocation in flight finish and commits what is done.
 */
import { parseArgs } from 'node:util';
import { handler } from '../../../functions/ingest/handler.js';
import { readDatabaseConfig } from '../../../shared/db/config.js';
import { closePool } from '../../../shared/db/pool.js';
import { connectionArgs, exitWith, kafkaConnection } from '../../tools/connection-args.js';
import { type EmulatorOptions, ESM_DEFAULTS, startEmulator } from './emulator.js';
import type { BackoffOptions } from './policy.js';

const usage = `usage: npm run esm:local -- [--brokers host:port,...] [--topic orders] [--dlq-topic orders.dlq]
  [--group ${ESM_DEFAULTS.groupId}] [--batch-size ${ESM_DEFAULTS.batchSize}] [--batch-window-ms ${ESM_DEFAULTS.batchWindowMs}]
  [--retries ${ESM_DEFAULTS.maxRetryAttempts}] [--no-bisect] [--concurrency ${ESM_DEFAULTS.concurrency}] [--tls] [--iam --region eu-west-1]
  [--function-timeout-ms ${ESM_DEFAULTS.functionTimeoutMs}] [--max-record-age-ms ${ESM_DEFAULTS.maxRecordAgeMs}]
  [--error-backoff-ms ${ESM_DEFAULTS.backoff.initialMs},${ESM_DEFAULTS.backoff.maxMs}] [--partial-backoff-ms ${ESM_DEFAULTS.partialBackoff.initialMs},${ESM_DEFAULTS.partialBackoff.maxMs}]
  backoffs: first wait,longest wait in ms, doubling in between`;

function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value)) throw new Error(`--${name} must be an integer, not "${text}"\n${usage}`);
  return value;
}

/** `--error-backoff-ms 500,10000`: first wait and cap, doubling in between. */
function backoff(name: string, text: string | undefined): BackoffOptions | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(',').map((part) => Number(part));
  const [initialMs, maxMs] = parts;
  if (parts.length !== 2 || !Number.isInteger(initialMs) || !Number.isInteger(maxMs) || initialMs! < 0 || maxMs! < initialMs!) {
    throw new Error(`--${name} must be "first,longest" in ms (0 <= first <= longest), not "${text}"\n${usage}`);
  }
  return { initialMs: initialMs!, multiplier: 2, maxMs: maxMs! };
}

const cliOptions = {
  ...connectionArgs,
  'dlq-topic': { type: 'string' },
  group: { type: 'string' },
  'batch-size': { type: 'string' },
  'batch-window-ms': { type: 'string' },
  retries: { type: 'string' },
  'no-bisect': { type: 'boolean', default: false },
  concurrency: { type: 'string' },
  'function-timeout-ms': { type: 'string' },
  'max-record-age-ms': { type: 'string' },
  'error-backoff-ms': { type: 'string' },
  'partial-backoff-ms': { type: 'string' },
  quiet: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;
type CliValues = ReturnType<typeof parseArgs<{ options: typeof cliOptions }>>['values'];

/** The mapping's settings from the flags (undefined = the default). */
function emulatorOptions(values: CliValues): Omit<EmulatorOptions, 'brokers' | 'handler'> {
  return {
    dlqTopic: values['dlq-topic'],
    groupId: values.group,
    batchSize: integer('batch-size', values['batch-size']),
    batchWindowMs: integer('batch-window-ms', values['batch-window-ms']),
    maxRetryAttempts: integer('retries', values.retries),
    bisectOnError: !values['no-bisect'],
    concurrency: integer('concurrency', values.concurrency),
    functionTimeoutMs: integer('function-timeout-ms', values['function-timeout-ms']),
    maxRecordAgeMs: integer('max-record-age-ms', values['max-record-age-ms']),
    backoff: backoff('error-backoff-ms', values['error-backoff-ms']),
    partialBackoff: backoff('partial-backoff-ms', values['partial-backoff-ms']),
  };
}

async function main() {
  const { values } = parseArgs({ options: cliOptions });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  // Fails now, naming each bad DB_* variable, rather than at the first batch (`npm start` sets them).
  readDatabaseConfig();
  const connection = kafkaConnection(values);
  const emulator = await startEmulator({
    ...emulatorOptions(values),
    brokers: connection.brokers,
    topic: connection.topic,
    client: connection.client,
    handler,
  });
  process.stdout.write(`esm: consuming "${connection.topic}" from ${connection.brokers.join(',')} as group "${emulator.groupId}"\n`);

  let last = '';
  const report = setInterval(() => {
    const { invocations, recordsCommitted, recordsToDlq, functionErrors } = emulator.stats;
    const line = `esm: ${invocations} invocations, ${recordsCommitted} records committed, ${recordsToDlq} to the DLQ, ${functionErrors} function errors`;
    if (line !== last && !values.quiet) process.stdout.write(`${line}\n`);
    last = line;
  }, 5_000);

  const shutdown = async (exitCode: number) => {
    clearInterval(report);
    await emulator.stop();
    await closePool();
    process.exit(exitCode);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  emulator.failed.catch((error: unknown) => {
    process.stderr.write(`esm: stopped: ${(error as Error).message}\n`);
    void shutdown(1);
  });
}

main().catch(exitWith);
