/**
 * The Lambda event for Kafka event sources, and its decoding: the one place that knows its shape.
 *
 * Shape (https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html, "Example event", and
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kafka.html for self-managed Kafka):
 *   { eventSource: "aws:kafka" | "SelfManagedKafka", eventSourceArn (MSK only),
 *     bootstrapServers: "host:port,host:port",
 *     records: { "<topic>-<partition>": [ { topic, partition, offset, timestamp (epoch ms),
 *       timestampType, key? (base64), value (base64), headers: [ { "<name>": [byte, ...] } ] } ] } }
 * The map key is "<topic>-<partition>"; topic names may themselves contain "-", so the
 * record's own `topic` and `partition` fields are authoritative.
 */
import { PipelineError } from '../errors.js';

export type KafkaEventSource = 'aws:kafka' | 'SelfManagedKafka';

export interface KafkaEventRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  key?: string | null;
  value?: string | null;
  headers?: Array<Record<string, number[]>>;
}

export interface KafkaEvent {
  eventSource: KafkaEventSource;
  eventSourceArn?: string;
  bootstrapServers?: string;
  records: Record<string, KafkaEventRecord[]>;
}

/** Where a record sits in the log: what a failure report and a log line name. */
export interface RecordPosition {
  topic: string;
  partition: number;
  offset: number;
}

export interface DecodedRecord {
  position: RecordPosition;
  timestamp: number;
  /** The key as UTF-8 text, if the record has one. */
  key: string | undefined;
  headers: Record<string, string>;
  /** The value as UTF-8 text, or why it could not be read. */
  value: { ok: true; text: string } | { ok: false; reason: string };
}

/** The event is not a Kafka event at all (a wrong trigger): a misconfiguration, not a bad record. */
export class InvalidKafkaEventError extends PipelineError {
  override readonly name = 'InvalidKafkaEventError';
  constructor(message: string) {
    super('defect', message);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Strict base64 (standard alphabet, padded, as Lambda encodes keys and values) → bytes, or
 * `undefined` for text that Buffer.from would silently mangle. Buffer.from skips characters
 * outside the alphabet, so a decoded length that differs from what the text length implies
 * means the text was not base64; "-" and "_" (base64url) are the only foreign characters it
 * would decode instead of skipping. Cheaper than a full-text regex on every record.
 */
export function decodeBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || text.includes('-') || text.includes('_')) return undefined;
  const bytes = Buffer.from(text, 'base64');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return bytes.length === (text.length / 4) * 3 - padding ? bytes : undefined;
}

function decodeText(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function decodeValue(value: unknown): DecodedRecord['value'] {
  if (value === undefined || value === null) return { ok: false, reason: 'record has no value' };
  const bytes = typeof value === 'string' ? decodeBase64(value) : undefined;
  if (bytes === undefined) return { ok: false, reason: 'value is not valid base64' };
  const text = decodeText(bytes);
  if (text === undefined) return { ok: false, reason: 'value is not valid UTF-8' };
  return { ok: true, text };
}

/** A record's key as UTF-8 text (strict base64 first); undefined when absent or unreadable. */
export function decodeKey(key: unknown): string | undefined {
  if (typeof key !== 'string') return undefined;
  const bytes = decodeBase64(key);
  return bytes === undefined ? undefined : decodeText(bytes);
}

const isByte = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 255;

/** Headers as text; a header that is not an array of bytes is skipped rather than failing the record. */
function decodeHeaders(headers: unknown): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const header of Array.isArray(headers) ? headers : []) {
    if (typeof header !== 'object' || header === null) continue;
    for (const [name, bytes] of Object.entries(header as Record<string, unknown>)) {
      if (Array.isArray(bytes) && bytes.every(isByte)) decoded[name] = Buffer.from(bytes).toString('utf8');
    }
  }
  return decoded;
}

function assertKafkaEvent(event: unknown): asserts event is KafkaEvent {
  const candidate = event as Partial<KafkaEvent> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    (candidate.eventSource !== 'aws:kafka' && candidate.eventSource !== 'SelfManagedKafka') ||
    typeof candidate.records !== 'object' ||
    candidate.records === null
  ) {
    throw new InvalidKafkaEventError('not a Kafka event: expected eventSource "aws:kafka" or "SelfManagedKafka" and a records map');
  }
}

/** One record as the event holds it, with its position: for a caller that decides before decoding. */
export interface RawRecord {
  position: RecordPosition;
  record: KafkaEventRecord;
}

/** Every record of the event, in partition order then offset order, not decoded. */
export function* iterateRawRecords(event: unknown): Generator<RawRecord> {
  yield* readKafkaEvent(event).records;
}

/**
 * The event's records, not decoded, for one walk in partition order then offset order, and how
 * many there are (the lengths of its partitions' arrays: the records themselves are not read).
 */
export function readKafkaEvent(event: unknown): { size: number; records: Iterable<RawRecord> } {
  assertKafkaEvent(event);
  const partitions = Object.values(event.records);
  return { size: partitions.reduce((sum, records) => sum + records.length, 0), records: rawRecords(partitions) };
}

function* rawRecords(partitions: readonly KafkaEventRecord[][]): Generator<RawRecord> {
  for (const records of partitions) {
    for (const record of records) {
      yield { position: { topic: record.topic, partition: record.partition, offset: record.offset }, record };
    }
  }
}

/** Decodes one record: key and value as UTF-8 text (strict base64 first), headers as text. */
export function decodeRecord({ position, record }: RawRecord): DecodedRecord {
  return {
    position,
    timestamp: record.timestamp,
    key: decodeKey(record.key),
    headers: decodeHeaders(record.headers),
    value: decodeValue(record.value),
  };
}

/** Every record of the event, in partition order then offset order, decoded one at a time (lazily). */
function* iterateKafkaEvent(event: unknown): Generator<DecodedRecord> {
  for (const raw of iterateRawRecords(event)) yield decodeRecord(raw);
}

/**
 * Every record of the event, decoded: its position, key and value as text (or why the value
 * could not be read). Throws InvalidKafkaEventError for an event that is not a Kafka event.
 *
 * @example
 * ```ts
 * for (const { position, value } of decodeKafkaEvent(event)) {
 *   if (!value.ok) failed.push(position);
 *   else orders.push(JSON.parse(value.text));
 * }
 * ```
 */
export function decodeKafkaEvent(event: unknown): DecodedRecord[] {
  return [...iterateKafkaEvent(event)];
}

/** The "<topic>-<partition>" name Lambda uses for a partition, in events and in failure reports. */
export function partitionName(position: Pick<RecordPosition, 'topic' | 'partition'>): string {
  return `${position.topic}-${position.partition}`;
}
