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

const DLQ_HEADERS = {
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

type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

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
  /** `local`: the emulator's form (record + x-esm-* headers); `aws`: Lambda's Kafka on-failure destination (JSON envelope). */
  form: 'local' | 'aws';
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

export interface DlqMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

/** A DLQ message in the emulator's form: the failed record itself, with the x-esm-* headers. */
function fromDlqMessage(partition: number, message: DlqMessage): DlqEntry {
  const headers = message.headers ?? {};
  const ours = new Set<string>(Object.values(DLQ_HEADERS));
  const originalHeaders: IHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!ours.has(name)) originalHeaders[name] = value;
  return {
    form: 'local',
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

/**
 * Lambda's Kafka on-failure destination writes, per failed record, a JSON document with the
 * failure metadata and the record inside an event-shaped `payload` (base64 key and value, headers
 * as byte arrays), keyed by the record's own key. Shape from
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html ("Record format
 * for a Kafka destination"):
 *   { requestContext: { requestId, functionArn, condition: "RetriesExhausted", approximateInvokeCount },
 *     responseContext: { statusCode, executedVersion, functionError }, version, timestamp,
 *     KafkaBatchInfo: { batchSize, eventSourceArn, bootstrapServers, payloadSize, recordInfo },
 *     payload: { eventSource, eventSourceArn, bootstrapServers, records: { "<topic>-<partition>": [record] } } }
 */
interface AwsFailureRecord {
  requestContext?: { condition?: unknown; approximateInvokeCount?: unknown };
  responseContext?: { functionError?: unknown };
  timestamp?: unknown;
  payload: { records: Record<string, unknown[]> };
}

interface AwsPayloadRecord {
  topic?: unknown;
  partition?: unknown;
  offset?: unknown;
  key?: unknown;
  value?: unknown;
  headers?: unknown;
}

function parseAwsFailureRecord(value: Buffer | null): AwsFailureRecord | undefined {
  if (value === null) return undefined;
  try {
    const parsed = JSON.parse(value.toString('utf8')) as Partial<AwsFailureRecord> | null;
    const records = parsed?.payload?.records;
    return typeof parsed?.requestContext === 'object' && typeof records === 'object' && records !== null ? (parsed as AwsFailureRecord) : undefined;
  } catch {
    return undefined;
  }
}

const fromBase64 = (text: unknown) => (typeof text === 'string' ? Buffer.from(text, 'base64') : null);
const asText = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);
const asNumber = (value: unknown) => (value === undefined || value === null || value === '' ? undefined : Number(value));

/** The event's header list ([{ name: [bytes] }]) as Kafka headers. */
function awsHeaders(headers: unknown): IHeaders {
  const result: IHeaders = {};
  for (const header of Array.isArray(headers) ? headers : []) {
    for (const [name, bytes] of Object.entries((header ?? {}) as Record<string, unknown>)) {
      if (Array.isArray(bytes)) result[name] = Buffer.from(bytes.filter((byte): byte is number => typeof byte === 'number'));
    }
  }
  return result;
}

function fromAwsPayloadRecord(partition: number, offset: string, failure: AwsFailureRecord, record: AwsPayloadRecord): DlqEntry {
  const functionError = asText(failure.responseContext?.functionError);
  return {
    form: 'aws',
    dlqPartition: partition,
    dlqOffset: Number(offset),
    condition: asText(failure.requestContext?.condition),
    // Lambda keeps no reason beyond the function error: the diagnosis (dlq.ts) explains the record.
    reason: functionError ? `function error: ${functionError}` : undefined,
    source: { topic: asText(record.topic), partition: asNumber(record.partition), offset: asNumber(record.offset) },
    attempts: asNumber(failure.requestContext?.approximateInvokeCount),
    failedAt: asText(failure.timestamp),
    key: fromBase64(record.key),
    value: fromBase64(record.value),
    originalHeaders: awsHeaders(record.headers),
  };
}

/**
 * Every failed record a DLQ message holds, in either form: the emulator's (one record with
 * x-esm-* headers) or Lambda's Kafka on-failure destination (a JSON envelope with the records).
 */
export function dlqEntries(partition: number, message: DlqMessage): DlqEntry[] {
  const headers = message.headers ?? {};
  const failure = headers[DLQ_HEADERS.condition] === undefined ? parseAwsFailureRecord(message.value) : undefined;
  if (!failure) return [fromDlqMessage(partition, message)];
  return Object.values(failure.payload.records)
    .flatMap((records) => (Array.isArray(records) ? records : []))
    .map((record) => fromAwsPayloadRecord(partition, message.offset, failure, (record ?? {}) as AwsPayloadRecord));
}
