/**
 * The on-failure destination's records, as Lambda's Kafka on-failure destination writes them
 * (docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html, "Record format for a
 * Kafka destination"; test/fixtures/events/msk-dlq-on-failure-record.json): per failed record one
 * message keyed by the record's key, whose value is a JSON document with the failure metadata and
 * the record inside an event-shaped `payload` (base64 key and value, headers as byte arrays):
 *   { requestContext: { requestId, functionArn, condition: "RetriesExhausted", approximateInvokeCount },
 *     responseContext: { statusCode, executedVersion, functionError }, version, timestamp,
 *     KafkaBatchInfo: { batchSize, eventSourceArn, bootstrapServers, payloadSize, recordInfo: { offset, timestamp } },
 *     payload: { eventSource, eventSourceArn, bootstrapServers, records: { "<topic>-<partition>": [record] } } }
 * The emulator writes it, `npm run dlq` and the tests read it: one form, locally and in AWS.
 */
import { randomUUID } from 'node:crypto';
import type { IHeaders, Message } from 'kafkajs';
import { classifyBytes, describeRejection } from '../../../shared/order/classify.js';
import { buildKafkaEvent } from '../kafka-event.js';
import type { SourceRecord } from './batch.js';

/** `RetriesExhausted` as AWS writes it (the fixture); `RecordAgeExceeded` for MaximumRecordAgeInSeconds. */
export type FailureCondition = 'RetriesExhausted' | 'RecordAgeExceeded';

export interface DlqFailure {
  condition: FailureCondition;
  /** How many times the function saw the record (approximateInvokeCount). */
  attempts: number;
  /** The last invocation failed as a whole (thrown, timed out, unreadable answer): functionError "Unhandled". */
  functionError: boolean;
}

/** Where the failed records came from: the mapping's function and cluster. */
export interface DlqSource {
  functionArn: string;
  eventSourceArn: string;
  bootstrapServers: string;
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

export function toDlqMessage(record: SourceRecord, failure: DlqFailure, source: DlqSource, batchSize: number): Message {
  const payload = buildKafkaEvent([record], {
    eventSource: 'aws:kafka',
    eventSourceArn: source.eventSourceArn,
    bootstrapServers: source.bootstrapServers,
  });
  const document = {
    requestContext: {
      requestId: randomUUID(),
      functionArn: `${source.functionArn}:$LATEST`,
      condition: failure.condition,
      approximateInvokeCount: failure.attempts,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(failure.functionError ? { functionError: 'Unhandled' } : {}) },
    version: '1.0',
    timestamp: new Date().toISOString(),
    KafkaBatchInfo: {
      batchSize,
      eventSourceArn: source.eventSourceArn,
      bootstrapServers: source.bootstrapServers,
      payloadSize: Buffer.byteLength(JSON.stringify(payload)),
      recordInfo: { offset: String(record.offset), timestamp: new Date(record.timestamp).toISOString() },
    },
    payload,
  };
  return { key: record.key, value: JSON.stringify(document) };
}

export interface DlqEntry {
  /** Position in the DLQ topic. */
  dlqPartition: number;
  dlqOffset: number;
  condition: string | undefined;
  /** `function error: Unhandled` when the last invocation failed; AWS keeps no other reason (`explain` diagnoses the record). */
  reason: string | undefined;
  source: { topic: string | undefined; partition: number | undefined; offset: number | undefined };
  attempts: number | undefined;
  failedAt: string | undefined;
  key: Buffer | null;
  value: Buffer | null;
  /** The record's own headers (what a re-drive sends again). */
  originalHeaders: IHeaders;
}

export interface DlqMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

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
    return typeof parsed?.requestContext === 'object' && typeof records === 'object' && records !== null
      ? (parsed as AwsFailureRecord)
      : undefined;
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
 * Every failed record a DLQ message holds. A message that is not an on-failure record (written by
 * something else) comes back as one entry with no metadata, its bytes as they are.
 */
export function dlqEntries(partition: number, message: DlqMessage): DlqEntry[] {
  const failure = parseAwsFailureRecord(message.value);
  if (!failure) {
    const source = { topic: undefined, partition: undefined, offset: undefined };
    const unknown = { condition: undefined, reason: 'not an on-failure destination record', attempts: undefined, failedAt: undefined };
    return [
      {
        dlqPartition: partition,
        dlqOffset: Number(message.offset),
        ...unknown,
        source,
        key: message.key,
        value: message.value,
        originalHeaders: message.headers ?? {},
      },
    ];
  }
  return Object.values(failure.payload.records)
    .flatMap((records) => (Array.isArray(records) ? records : []))
    .map((record) => fromAwsPayloadRecord(partition, message.offset, failure, (record ?? {}) as AwsPayloadRecord));
}
