import type { Logger } from '@aws-lambda-powertools/logger';
import type { OrderTransaction, StoreOutcome } from '../../shared/db/orders.js';
import { type KafkaBatchResponse, kafkaBatchResponse } from '../../shared/kafka/batch-response.js';
import { countKafkaRecords, type DecodedRecord, iterateKafkaEvent, type RecordPosition } from '../../shared/kafka/event.js';
import { asOrderUid } from '../../shared/order/order-uid.js';
import type { Order } from '../../shared/order/schema.js';
import { type Violation, validateOrder } from '../../shared/order/validate.js';

/**
 * The consumer's work for one Kafka event: decode and validate every record on its own, store
 * all valid orders of the batch in one transaction, report the invalid ones as partial batch
 * failures. A storage error propagates (the invocation fails and the whole batch is retried):
 * no record is acknowledged unless it is stored or reported.
 *
 * Round trips are fixed whatever the batch size: a small batch is one INSERT statement (one
 * round trip); a large one is BEGIN, PIPELINE_CHUNKS INSERT statements and COMMIT, so that
 * PostgreSQL inserts one chunk while this process validates and encodes the next. Chunks grow
 * by CHUNK_GROWTH: the database starts after a small first chunk, and each next chunk is ready
 * about when the database finishes the previous one (here, validating and encoding an order
 * takes about two thirds of the time PostgreSQL needs to insert it).
 */
export const PIPELINE_MIN_RECORDS = 200;
export const PIPELINE_CHUNKS = 5;
const CHUNK_GROWTH = 1.5;

/** Record counts after which a chunk is sent (the last chunk is sent at the end). */
export function chunkBoundaries(total: number, chunks = PIPELINE_CHUNKS, growth = CHUNK_GROWTH): number[] {
  const weights = Array.from({ length: chunks }, (_, index) => growth ** index);
  const sum = weights.reduce((a, b) => a + b, 0);
  let cumulative = 0;
  return weights.slice(0, -1).map((weight) => {
    cumulative += weight;
    return Math.ceil((total * cumulative) / sum);
  });
}

export type RejectionReason = 'undecodable' | 'not_json' | 'invalid_order';

export interface Rejection {
  position: RecordPosition;
  /** Only when readable and well-formed; never any other field of the order. */
  orderUid: string | undefined;
  reason: RejectionReason;
  violations: Violation[];
}

export interface IngestSummary {
  records: number;
  stored: number;
  duplicates: number;
  conflicts: number;
  rejected: number;
}

/** The part of the Powertools Logger the core uses (a type only: tests may pass a spy). */
export type IngestLogger = Pick<Logger, 'info' | 'warn'>;

/** Where valid orders go (shared/db/orders.ts; tests may wrap it). */
export interface OrderStore {
  storeOrders(orders: readonly Order[]): Promise<Map<string, StoreOutcome>>;
  beginOrderTransaction(): Promise<OrderTransaction>;
}

export interface IngestResult {
  response: KafkaBatchResponse;
  summary: IngestSummary;
  rejections: Rejection[];
}

type CheckedRecord = { ok: true; order: Order } | { ok: false; rejection: Omit<Rejection, 'position'> };

function readableOrderUid(parsed: unknown, key: string | undefined): string | undefined {
  return asOrderUid((parsed as { order_uid?: unknown } | null)?.order_uid) ?? asOrderUid(key);
}

function checkRecord(record: DecodedRecord): CheckedRecord {
  const orderUidFromKey = readableOrderUid(undefined, record.key);
  if (!record.value.ok) {
    const violations = [{ path: '$', message: record.value.reason }];
    return { ok: false, rejection: { orderUid: orderUidFromKey, reason: 'undecodable', violations } };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.value.text);
  } catch (error) {
    const violations = [{ path: '$', message: `not JSON: ${(error as Error).message}` }];
    return { ok: false, rejection: { orderUid: orderUidFromKey, reason: 'not_json', violations } };
  }
  const result = validateOrder(parsed);
  if (result.ok) return result;
  return {
    ok: false,
    rejection: { orderUid: readableOrderUid(parsed, record.key), reason: 'invalid_order', violations: result.violations },
  };
}

function logPosition(position: RecordPosition) {
  return { topic: position.topic, partition: position.partition, offset: position.offset };
}

export async function ingestKafkaEvent(event: unknown, store: OrderStore, logger: IngestLogger): Promise<IngestResult> {
  const total = countKafkaRecords(event);
  const firstByUid = new Map<string, { order: Order; position: RecordPosition }>();
  const repeats: Array<{ order: Order; position: RecordPosition }> = [];
  const rejections: Rejection[] = [];

  const transaction = total >= PIPELINE_MIN_RECORDS ? await store.beginOrderTransaction() : undefined;
  const boundaries = new Set(transaction ? chunkBoundaries(total) : []);
  let chunk: Order[] = [];
  let outcomes: Map<string, StoreOutcome>;
  try {
    let seen = 0;
    for (const record of iterateKafkaEvent(event)) {
      const checked = checkRecord(record);
      if (!checked.ok) {
        rejections.push({ position: record.position, ...checked.rejection });
      } else if (firstByUid.has(checked.order.order_uid)) {
        repeats.push({ order: checked.order, position: record.position });
      } else {
        firstByUid.set(checked.order.order_uid, { order: checked.order, position: record.position });
        chunk.push(checked.order);
      }
      seen += 1;
      if (transaction && boundaries.has(seen)) {
        await transaction.write(chunk);
        chunk = [];
      }
    }
    if (transaction) {
      await transaction.write(chunk);
      outcomes = await transaction.commit();
    } else {
      outcomes = await store.storeOrders(chunk);
    }
  } catch (error) {
    await transaction?.rollback();
    throw error;
  }

  const summary: IngestSummary = { records: total, stored: 0, duplicates: 0, conflicts: 0, rejected: rejections.length };
  const conflict = (position: RecordPosition, orderUid: string, against: 'stored' | 'batch') => {
    summary.conflicts += 1;
    logger.warn('order conflict: order_uid already taken by different content; first write kept', {
      ...logPosition(position),
      order_uid: orderUid,
      against,
    });
  };
  for (const [orderUid, { position }] of firstByUid) {
    const outcome = outcomes.get(orderUid);
    if (outcome === 'inserted') summary.stored += 1;
    else if (outcome === 'conflict') conflict(position, orderUid, 'stored');
    else summary.duplicates += 1;
  }
  for (const { order, position } of repeats) {
    const first = firstByUid.get(order.order_uid);
    if (first && JSON.stringify(first.order) === JSON.stringify(order)) summary.duplicates += 1;
    else conflict(position, order.order_uid, 'batch');
  }
  for (const rejection of rejections) {
    logger.warn('order rejected', {
      ...logPosition(rejection.position),
      order_uid: rejection.orderUid,
      reason: rejection.reason,
      violations: rejection.violations,
    });
  }
  logger.info('batch ingested', { ...summary });

  return { response: kafkaBatchResponse(rejections.map((rejection) => rejection.position)), summary, rejections };
}
