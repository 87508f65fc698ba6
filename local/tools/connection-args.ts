import type { ParseArgsConfig } from 'node:util';
import { DEFAULT_ORDERS_TOPIC, type KafkaClientOptions, parseBrokers } from '../../shared/kafka/client.js';

/**
 * The Kafka connection flags every local CLI shares (produce, dlq, esm:local), with the
 * environment names used everywhere: KAFKA_BROKERS (comma list) and KAFKA_TOPIC.
 */
export const LOCAL_BROKERS = '127.0.0.1:9092';

export const connectionArgs = {
  brokers: { type: 'string' },
  topic: { type: 'string' },
  tls: { type: 'boolean', default: false },
  iam: { type: 'boolean', default: false },
  region: { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export interface ConnectionValues {
  brokers?: string | undefined;
  topic?: string | undefined;
  tls?: boolean | undefined;
  iam?: boolean | undefined;
  region?: string | undefined;
}

export interface KafkaConnection {
  brokers: string[];
  topic: string;
  client: Pick<KafkaClientOptions, 'tls' | 'iam'>;
}

export function kafkaConnection(values: ConnectionValues, env: NodeJS.ProcessEnv = process.env): KafkaConnection {
  const brokers = parseBrokers(values.brokers ?? env.KAFKA_BROKERS ?? LOCAL_BROKERS);
  const topic = values.topic ?? env.KAFKA_TOPIC ?? DEFAULT_ORDERS_TOPIC;
  if (!values.iam) return { brokers, topic, client: { tls: values.tls ?? false } };
  const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('--iam needs --region (or AWS_REGION): the region of the MSK cluster');
  return { brokers, topic, client: { tls: true, iam: { region } } };
}

/** Exits with the message alone (no stack) for errors a user can fix. */
export function exitWith(error: unknown): never {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
