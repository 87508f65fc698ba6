/**
 * `npm run kafka`: a local Kafka broker (data in .local/kafka, or LOCAL_DATA_DIR/kafka) with the `orders` topic and its
 * DLQ, in the foreground until Ctrl+C. KAFKA_PORT picks the port (default 9092). A broker that
 * cannot start ends the run with one line (cause and fix) and exit code 1.
 */
import { join, resolve } from 'node:path';
import { DEFAULT_DLQ_TOPIC, DEFAULT_ORDERS_TOPIC } from '../../../shared/kafka/topics.js';
import { portFromEnv, renderSetupError } from '../setup-error.js';
import { createTopic, type LocalKafka, startLocalKafka } from './broker.js';

export const ORDERS_PARTITIONS = 6;
export const DLQ_PARTITIONS = 1;

let kafka: LocalKafka | undefined;
let stopping: Promise<never> | undefined;
function stop(exitCode: number, message?: string): Promise<never> {
  stopping ??= (async () => {
    if (exitCode === 0) process.stdout.write('stopping Kafka...\n');
    await kafka?.stop().catch(() => undefined);
    if (message) process.stderr.write(`${message}\n`);
    process.exit(exitCode);
  })();
  return stopping;
}

async function main() {
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  const dataDir = join(resolve(process.env.LOCAL_DATA_DIR || join(import.meta.dirname, '..', '..', '..', '.local')), 'kafka');
  const port = portFromEnv('KAFKA_PORT', 9092, 'Kafka');
  const topic = process.env.KAFKA_TOPIC ?? DEFAULT_ORDERS_TOPIC;
  const started = Date.now();
  kafka = await startLocalKafka({ dataDir, port });
  await createTopic(kafka.brokers, topic, ORDERS_PARTITIONS);
  await createTopic(kafka.brokers, DEFAULT_DLQ_TOPIC, DLQ_PARTITIONS);
  process.stdout.write(
    [
      `Kafka is up in ${((Date.now() - started) / 1000).toFixed(1)} s (data: ${dataDir})`,
      `  bootstrap: ${kafka.brokers}    export KAFKA_BROKERS=${kafka.brokers}`,
      `  topics:    ${topic} (${ORDERS_PARTITIONS} partitions), ${DEFAULT_DLQ_TOPIC} (${DLQ_PARTITIONS})`,
      'Ctrl+C stops it.',
      '',
    ].join('\n'),
  );
  // The broker runs in a child process; this keeps the CLI in the foreground until a signal.
  setInterval(() => {}, 1 << 30);
}

const fail = (error: unknown) => void stop(1, renderSetupError(error, 'npm run kafka'));
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
main().catch(fail);
