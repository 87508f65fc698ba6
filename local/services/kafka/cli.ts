import { join, resolve } from 'node:path';
import { DEFAULT_DLQ_TOPIC } from '../../emulators/esm/dlq-record.js';
import { DEFAULT_ORDERS_TOPIC } from '../../../shared/kafka/client.js';
import { exitWith } from '../../tools/connection-args.js';
import { createTopic, startLocalKafka } from './broker.js';

/**
 * `npm run kafka`: a local Kafka broker (data in .local/kafka) with the `orders` topic and its
 * DLQ, in the foreground until Ctrl+C. KAFKA_PORT picks the port (default 9092).
 */
export const ORDERS_PARTITIONS = 6;
export const DLQ_PARTITIONS = 1;

async function main() {
  const dataDir = join(resolve(import.meta.dirname, '..', '..', '..'), '.local', 'kafka');
  const port = Number(process.env.KAFKA_PORT ?? 9092);
  const topic = process.env.KAFKA_TOPIC ?? DEFAULT_ORDERS_TOPIC;
  const started = Date.now();
  const kafka = await startLocalKafka({ dataDir, port });
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
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping Kafka...\n');
    await kafka.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // The broker runs in a child process; this keeps the CLI in the foreground until a signal.
  setInterval(() => {}, 1 << 30);
}

main().catch((error: unknown) => {
  if (String(error).includes('Address already in use') || String(error).includes('BindException')) {
    exitWith(new Error(`port ${process.env.KAFKA_PORT ?? 9092} is taken: set KAFKA_PORT, or use the broker that runs there (KAFKA_BROKERS)\n${String(error)}`));
  }
  exitWith(error);
});
