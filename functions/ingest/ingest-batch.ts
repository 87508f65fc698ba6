import type { KafkaBatchResponse } from '../../shared/kafka/batch-response.js';
import { countKafkaRecords } from '../../shared/kafka/event.js';
import type { JudgementMemo } from './memo.js';
import type { OutagePolicy } from './outage.js';
import { batchResponse, type IngestLogger, type IngestSummary, judgeRecords, logVerdicts, type RecordVerdict } from './report.js';
import { type OrderStore, storeBatch } from './store.js';
import { triageEvent } from './triage.js';

/**
 * The consumer's work for one Kafka event, as classify → store → report:
 *  - classify (triage.ts): every record on its own, pure; remembered records are not judged again;
 *  - store (store.ts): the valid orders, in one statement or pipelined chunks; a record the
 *    database refuses (data error) is pinned down and rejected alone; an outage is waited out
 *    within the budget, then thrown;
 *  - report (report.ts): batch response, summary, one log line per newly rejected record.
 * Every record is either stored (acknowledged) or reported as a batch item failure; the
 * invocation fails only when the database stays unavailable.
 */
export interface IngestDependencies {
  store: OrderStore;
  memo: JudgementMemo;
  logger: IngestLogger;
  outage: OutagePolicy;
}

export interface IngestResult {
  response: KafkaBatchResponse;
  summary: IngestSummary;
  verdicts: RecordVerdict[];
}

export async function ingestKafkaEvent(event: unknown, { store, memo, logger, outage }: IngestDependencies): Promise<IngestResult> {
  const total = countKafkaRecords(event);
  const triage = triageEvent(event, memo);
  const fates = await storeBatch(triage.orders, total, store, outage);
  const { summary, verdicts } = judgeRecords(triage.records, fates, memo);
  logVerdicts(verdicts, summary, logger);
  return { response: batchResponse(verdicts), summary, verdicts };
}
