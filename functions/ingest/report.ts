import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type KafkaBatchResponse, kafkaBatchResponse } from '../../shared/kafka/batch-response.js';
import type { RecordPosition } from '../../shared/kafka/event.js';
import { type Rejection, reject } from '../../shared/order/classify.js';
import { METRIC } from '../../shared/metrics.js';
import type { JudgementMemo } from './memo.js';
import type { OrderFate } from './store.js';
import type { TriagedRecord } from './triage.js';

/**
 * Report: from each record's classification and its order's fate, the batch response (rejected
 * records are batch item failures), the summary, one log line per newly rejected record (a
 * re-delivered rejection is not logged again), and what the container remembers.
 */
export interface IngestSummary {
  records: number;
  /** Orders inserted by this invocation. */
  stored: number;
  /** Records whose order was already stored with the same content (re-deliveries, repeats). */
  duplicates: number;
  /** Rejected because their order_uid holds different content (counted in `rejected` too). */
  conflicts: number;
  rejected: number;
  /** Records judged by an earlier delivery to this container, not judged or written again. */
  remembered: number;
}

export interface RecordVerdict {
  position: RecordPosition;
  /** Undefined when the record is acknowledged. */
  rejection: Rejection | undefined;
  /** True when this delivery judged the record (false: remembered from an earlier one). */
  fresh: boolean;
}

/** The part of the Powertools Logger the report uses (tests may pass a spy). */
export type IngestLogger = Pick<Logger, 'info' | 'warn'>;

/** Log lines carry at most this many violations (a hostile record can have thousands). */
const LOGGED_VIOLATIONS = 20;

function fateRejection(fate: OrderFate | undefined, orderUid: string): Rejection | undefined {
  if (fate === undefined) return reject('refused_by_database', orderUid, 'the database reported no outcome for this order');
  if (fate === 'conflict') return reject('conflict', orderUid, 'order_uid already stored with different content; the first write is kept', '$.order_uid');
  if (typeof fate === 'object') return reject('refused_by_database', orderUid, fate.refused);
  return undefined;
}

/** Each record's verdict, counting the summary and updating the memo as it goes. */
export function judgeRecords(records: readonly TriagedRecord[], fates: ReadonlyMap<string, OrderFate>, memo: JudgementMemo) {
  const summary: IngestSummary = { records: records.length, stored: 0, duplicates: 0, conflicts: 0, rejected: 0, remembered: 0 };
  const verdicts: RecordVerdict[] = [];
  for (const record of records) {
    let rejection: Rejection | undefined;
    if (record.kind === 'remembered') {
      summary.remembered += 1;
      rejection = record.judgement.kind === 'rejected' ? record.judgement.rejection : undefined;
    } else if (record.kind === 'rejected') {
      rejection = record.rejection;
    } else {
      const fate = fates.get(record.order.order_uid);
      rejection = fateRejection(fate, record.order.order_uid);
      if (!rejection && fate === 'inserted' && record.first) summary.stored += 1;
      else if (!rejection) summary.duplicates += 1;
    }
    if (rejection) summary.rejected += 1;
    if (rejection?.reason === 'conflict') summary.conflicts += 1;
    const fresh = record.kind !== 'remembered';
    if (fresh && rejection) memo.rememberRejected(record.position, record.digest, rejection);
    else if (fresh) memo.rememberStored(record.position, record.digest);
    verdicts.push({ position: record.position, rejection, fresh });
  }
  return { summary, verdicts };
}

export function batchResponse(verdicts: readonly RecordVerdict[]): KafkaBatchResponse {
  return kafkaBatchResponse(verdicts.filter((verdict) => verdict.rejection).map((verdict) => verdict.position));
}

export function logVerdicts(verdicts: readonly RecordVerdict[], summary: IngestSummary, logger: IngestLogger): void {
  for (const { position, rejection, fresh } of verdicts) {
    if (!rejection || !fresh) continue;
    logger.warn('order rejected', {
      topic: position.topic,
      partition: position.partition,
      offset: position.offset,
      order_uid: rejection.orderUid,
      reason: rejection.reason,
      violations: rejection.violations.slice(0, LOGGED_VIOLATIONS),
      ...(rejection.violations.length > LOGGED_VIOLATIONS ? { more_violations: rejection.violations.length - LOGGED_VIOLATIONS } : {}),
    });
  }
  logger.info('batch ingested', { ...summary });
}

export function addMetrics(metrics: Pick<Metrics, 'addMetric'>, summary: IngestSummary): void {
  metrics.addMetric(METRIC.RecordsReceived, MetricUnit.Count, summary.records);
  metrics.addMetric(METRIC.OrdersStored, MetricUnit.Count, summary.stored);
  metrics.addMetric(METRIC.OrdersDuplicate, MetricUnit.Count, summary.duplicates);
  metrics.addMetric(METRIC.OrdersConflict, MetricUnit.Count, summary.conflicts);
  metrics.addMetric(METRIC.OrdersRejected, MetricUnit.Count, summary.rejected);
}
