/**
 * Report: from the final result of every record (result.ts), the batch response (rejected
 * records are batch item failures), the summary, one log line per newly rejected record (a
 * re-delivered rejection is not logged again) and the metrics. A log line names positions,
 * order_uids, reasons and violated paths, never text from a record's content.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type KafkaBatchResponse, kafkaBatchResponse } from '../../shared/kafka/batch-response.js';
import { METRIC } from '../../shared/metrics.js';
import type { FinalResult } from './result.js';

export interface IngestSummary {
  records: number;
  /** Orders inserted by this invocation. */
  stored: number;
  /** Records whose order was already stored with the same content (re-deliveries, repeats). */
  duplicates: number;
  /** Rejected because their order_uid holds different content (counted in `rejected` too). */
  conflicts: number;
  rejected: number;
  /** Records decided by an earlier delivery to this container, not judged or written again. */
  remembered: number;
}

/** The part of the Powertools Logger ingest uses (tests may pass a spy). */
export type IngestLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

/** Log lines carry at most this many violations (a hostile record can have thousands). */
const LOGGED_VIOLATIONS = 20;

export function summarize(results: readonly FinalResult[]): IngestSummary {
  const summary: IngestSummary = { records: results.length, stored: 0, duplicates: 0, conflicts: 0, rejected: 0, remembered: 0 };
  for (const result of results) {
    if (result.remembered) summary.remembered += 1;
    if (result.status === 'rejected') {
      summary.rejected += 1;
      if (result.rejection.reason === 'conflict') summary.conflicts += 1;
    } else if (!result.remembered) {
      summary[result.status === 'stored' ? 'stored' : 'duplicates'] += 1;
    }
  }
  return summary;
}

export function batchResponse(results: readonly FinalResult[]): KafkaBatchResponse {
  return kafkaBatchResponse(results.filter((result) => result.status === 'rejected').map((result) => result.position));
}

export function logResults(results: readonly FinalResult[], summary: IngestSummary, logger: IngestLogger): void {
  for (const result of results) {
    if (result.status !== 'rejected' || result.remembered) continue;
    const { position, rejection } = result;
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
