/**
 * Builds the Lambda event for Kafka event sources from Kafka messages, exactly as the
 * event-source mapping delivers it (see shared/kafka/event.ts for the shape and its source).
 * Used by the local event-source mapping emulator, the tests and the benchmarks.
 */
import type { KafkaEvent, KafkaEventRecord, KafkaEventSource } from '../../shared/kafka/event.js';

export interface KafkaMessageInput {
  topic: string;
  partition: number;
  offset: number | string;
  timestamp?: number | string;
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string | undefined>;
}

export interface KafkaEventOptions {
  eventSource?: KafkaEventSource;
  eventSourceArn?: string;
  bootstrapServers?: string;
}

export const LOCAL_CLUSTER_ARN = 'arn:aws:kafka:eu-west-1:000000000000:cluster/local/00000000-0000-0000-0000-000000000000-1';

const toBuffer = (data: Buffer | string) => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);

function toEventRecord(message: KafkaMessageInput): KafkaEventRecord {
  const record: KafkaEventRecord = {
    topic: message.topic,
    partition: message.partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp ?? Date.now()),
    timestampType: 'CREATE_TIME',
    value: message.value === null ? null : toBuffer(message.value).toString('base64'),
    headers: Object.entries(message.headers ?? {})
      .filter((entry): entry is [string, Buffer | string] => entry[1] !== undefined)
      .map(([name, data]) => ({ [name]: [...toBuffer(data)] })),
  };
  // Lambda leaves `key` out for records that have none.
  if (message.key !== undefined && message.key !== null) record.key = toBuffer(message.key).toString('base64');
  return record;
}

export function buildKafkaEvent(messages: readonly KafkaMessageInput[], options: KafkaEventOptions = {}): KafkaEvent {
  const eventSource = options.eventSource ?? 'aws:kafka';
  const records: Record<string, KafkaEventRecord[]> = {};
  for (const message of messages) {
    (records[`${message.topic}-${message.partition}`] ??= []).push(toEventRecord(message));
  }
  return {
    eventSource,
    ...(eventSource === 'aws:kafka' ? { eventSourceArn: options.eventSourceArn ?? LOCAL_CLUSTER_ARN } : {}),
    bootstrapServers: options.bootstrapServers ?? '127.0.0.1:9092',
    records,
  };
}
