/**
 * The consumer's work for one Kafka event, stage by stage (result.ts names each stage's type):
 *  1. read (triage.ts) every record on its own, pure: a remembered record keeps its verdict, an
 *     undecodable or non-JSON one is rejected, the rest are parsed;
 *  2. judge the parsed records in lock order (sorted by the order_uid they claim, a uid's records
 *     in event order): rejected, or valid;
 *  3. store: each valid record goes to the store's writer (store.ts) as it is judged, which writes
 *     the orders in pipelined chunks of one transaction and answers with a final result for every
 *     record it was given;
 *  4. report: every record must have exactly one final result, or the invocation fails (an
 *     IngestDefect: a record is never acknowledged without having been stored); the container
 *     remembers the fresh results (memo.ts); report.ts gives the batch response, the summary and
 *     one log line per newly rejected record.
 * Every record is either stored (acknowledged) or reported as a batch item failure; the
 * invocation fails only when the database stays unavailable or on a defect (shared/db/errors.ts).
 */
import type { KafkaBatchResponse } from '../../shared/kafka/batch-response.js';
import { readKafkaEvent } from '../../shared/kafka/event.js';
import type { RecordMemo } from './memo.js';
import type { OutagePolicy } from './outage.js';
import { batchResponse, type IngestLogger, type IngestSummary, logResults, summarize } from './report.js';
import { assertFinal, type FinalResult } from './result.js';
import { compareOrderUids, type OrderStore, OrderWriter } from './store.js';
import { createTriage, type ParsedRecord, type Triage } from './triage.js';

export interface IngestBatchDependencies {
  store: OrderStore;
  memo: RecordMemo;
  logger: IngestLogger;
  outage: OutagePolicy;
}

export interface IngestResult {
  response: KafkaBatchResponse;
  summary: IngestSummary;
  results: FinalResult[];
}

export async function ingestKafkaEvent(event: unknown, dependencies: IngestBatchDependencies): Promise<IngestResult> {
  const { memo, logger } = dependencies;
  const { size, records } = readKafkaEvent(event);
  const triage = createTriage(memo);
  const read = Array.from(records, (raw, index) => triage.read(raw, index));
  const decided = read.filter((record): record is FinalResult => record.status !== 'parsed');
  const parsed = read.filter((record): record is ParsedRecord => record.status === 'parsed');
  const stored = await judgeAndStore(parsed.sort(inLockOrder), triage, dependencies);
  const final = assertFinal(size, [...decided, ...stored]);
  for (const result of final) if (!result.remembered) memo.remember(result.position, result.digest, result);
  const summary = summarize(final);
  logResults(final, summary, logger);
  return { response: batchResponse(final), summary, results: final };
}

/** Judges the parsed records in the order given, each valid one going to the writer at once: their final results. */
async function judgeAndStore(
  parsed: readonly ParsedRecord[],
  triage: Triage,
  { store, outage }: IngestBatchDependencies,
): Promise<FinalResult[]> {
  const writer = new OrderWriter(store, outage, parsed.length);
  const rejected: FinalResult[] = [];
  for (const record of parsed) {
    const judged = triage.judge(record);
    if (judged.status === 'valid') await writer.add(judged);
    else rejected.push(judged);
  }
  return [...rejected, ...(await writer.finish())];
}

/** Sorted by the order_uid they claim; a uid's records stay in event order. */
const inLockOrder = (a: ParsedRecord, b: ParsedRecord): number => compareOrderUids(a.claimedUid, b.claimedUid) || a.index - b.index;
