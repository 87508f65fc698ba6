/**
 * The Kafka connection flags every local CLI shares (produce, dlq, esm:local), over the
 * variables the functions read (KAFKA_BROKERS, KAFKA_TOPIC, KAFKA_AUTH, KAFKA_TLS, AWS_REGION),
 * parsed by the same schema (kafkaConfigFromEnv); a flag wins over its variable, and the brokers
 * default to the local broker.
 */
import type { ParseArgsConfig } from 'node:util';
import { blankAsAbsent, type Env } from '../../shared/config.js';
import { type KafkaClientOptions, kafkaClientOptions, kafkaConfigFromEnv, parseBrokers } from '../../shared/kafka/client.js';

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

export function kafkaConnection(values: ConnectionValues, env: Env = process.env): KafkaConnection {
  if (values.iam && !(values.region ?? blankAsAbsent(env.AWS_REGION) ?? blankAsAbsent(env.AWS_DEFAULT_REGION))) {
    throw new Error('--iam needs --region (or AWS_REGION): the region of the MSK cluster');
  }
  const config = kafkaConfigFromEnv({
    ...env,
    KAFKA_BROKERS: values.brokers ?? (blankAsAbsent(env.KAFKA_BROKERS) === undefined ? LOCAL_BROKERS : env.KAFKA_BROKERS),
    KAFKA_TOPIC: values.topic ?? env.KAFKA_TOPIC,
    KAFKA_AUTH: values.iam ? 'iam' : env.KAFKA_AUTH,
    KAFKA_TLS: values.tls ? 'true' : env.KAFKA_TLS,
    AWS_REGION: values.region ?? (blankAsAbsent(env.AWS_REGION) === undefined ? env.AWS_DEFAULT_REGION : env.AWS_REGION),
  });
  const { brokers, ...client } = kafkaClientOptions(config);
  return { brokers: parseBrokers(brokers), topic: config.topic, client };
}

/** Exits with the message alone (no stack) for errors a user can fix. */
export function exitWith(error: unknown): never {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
