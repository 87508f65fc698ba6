import type { IHeaders, Message } from 'kafkajs';
import { classifyBytes, describeRejection } from '../../../shared/order/classify.js';
import type { SourceRecord } from './batch.js';

/**
 * The local on-failure destination: a Kafka topic (default `orders.dlq`), as AWS's Kafka
 * on-failure destination, which receives the failed records themselves plus failure metadata
 * (docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html). Each DLQ record keeps
 * the original key, value and headers and adds the headers below. One module writes and reads
 * them: the emulator, `npm run dlq` and the tests.
 */

export const DEFAULT_DLQ_TOPIC = 'orders.dlq';

export const DLQ_HEADERS = {
  /** `RetryAttemptsExhausted` (the AWS condition name) or `RecordAgeExceeded`. */
  condition: 'x-esm-condition',
  /** Why the record failed: the consumer's own diagnosis, or the function error. */
  reason: 'x-esm-reason',
  sourceTopic: 'x-esm-source-topic',
  sourcePartition: 'x-esm-source-partition',
  sourceOffset: 'x-esm-source-offset',
  /** How many times the function saw the record. */
  attempts: 'x-esm-attempts',
  failedAt: 'x-esm-failed-at',
} as const;

export type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface DlqFailure {
  condition: FailureCondition;
  reason: string;
  attempts: number;
}

/**
 * Why the consumer rejects a record, for the DLQ's reason header: the consumer's own
 * classification (shared/order/classify.ts), reporting reason and violated paths only, never
 * values (no personal data). Undefined for a valid order (it failed for another reason, e.g. an
 * outage or a conflict with a stored order).
 */
export function diagnoseRecord(record: Pick<SourceRecord, 'value'> & { key?: Buffer | null }): string | undefined {
  const classified = classifyBytes(record.value, record.key?.toString('utf8'));
  return classified.ok ? undefined : describeRejection(classified);
}

export function toDlqMessage(record: SourceRecord, failure: DlqFailure): Message {
  const headers: IHeaders = { ...record.headers };
  headers[DLQ_HEADERS.condition] = failure.condition;
  headers[DLQ_HEADERS.reason] = failure.reason.slice(0, 2_000);
  headers[DLQ_HEADERS.sourceTopic] = record.topic;
  headers[DLQ_HEADERS.sourcePartition] = String(record.partition);
  headers[DLQ_HEADERS.sourceOffset] = String(record.offset);
  headers[DLQ_HEADERS.attempts] = String(failure.attempts);
  headers[DLQ_HEADERS.failedAt] = new Date().toISOString();
  return { key: record.key, value: record.value, headers, timestamp: String(record.timestamp) };
}

export interface DlqEntry {
  /** Position in the DLQ topic. */
  dlqPartition: number;
  dlqOffset: number;
  condition: string | undefined;
  reason: string | undefined;
  source: { topic: string | undefined; partition: number | undefined; offset: number | undefined };
  attempts: number | undefined;
  failedAt: string | undefined;
  key: Buffer | null;
  value: Buffer | null;
  /** The original headers, without ours (what a re-drive sends again). */
  originalHeaders: IHeaders;
}

function headerText(value: IHeaders[string]): string | undefined {
  const single = Array.isArray(value) ? value[0] : value;
  return single === undefined ? undefined : single.toString();
}

const optionalNumber = (text: string | undefined) => (text === undefined ? undefined : Number(text));

export function fromDlqMessage(partition: number, message: { offset: string; key: Buffer | null; value: Buffer | null; headers?: IHeaders }): DlqEntry {
  const headers = message.headers ?? {};
  const ours = new Set<string>(Object.values(DLQ_HEADERS));
  const originalHeaders: IHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!ours.has(name)) originalHeaders[name] = value;
  return {
    dlqPartition: partition,
    dlqOffset: Number(message.offset),
    condition: headerText(headers[DLQ_HEADERS.condition]),
    reason: headerText(headers[DLQ_HEADERS.reason]),
    source: {
      topic: headerText(headers[DLQ_HEADERS.sourceTopic]),
      partition: optionalNumber(headerText(headers[DLQ_HEADERS.sourcePartition])),
      offset: optionalNumber(headerText(headers[DLQ_HEADERS.sourceOffset])),
    },
    attempts: optionalNumber(headerText(headers[DLQ_HEADERS.attempts])),
    failedAt: headerText(headers[DLQ_HEADERS.failedAt]),
    key: message.key,
    value: message.value,
    originalHeaders,
  };
}
