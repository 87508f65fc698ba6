/**
 * The consumer's work for one Kafka event, stage by stage (result.ts names each stage's type):
 *  1. recall, then read: while PostgreSQL looks up what other environments kept about the
 *     records (shared-memo.ts), each record is digested; a record this container or another
 *     decided before, with the same digest, keeps its verdict without being read again (a
 *     re-delivery's records mostly are); the rest are read (triage.ts) on their own, pure: an
 *     undecodable or non-JSON one is rejected, the others are parsed;
 *  2. judge the parsed records in lock order (sorted by the order_uid they claim, a uid's records
 *     in event order): rejected, or valid;
 *  3. store: each valid record goes to the store's writer (store.ts) as it is judged, which writes
 *     the orders in pipelined chunks of one transaction and answers with a final result for every
 *     record it was given;
 *  4. report: every record must have exactly one final result, or the invocation fails (an
 *     IngestDefect: a record is never acknowledged without having been stored); a batch with a
 *     rejected record keeps its results for the retries in PostgreSQL (shared-memo.ts), the
 *     container remembers every result (memo.ts); report.ts gives the batch response, the
 *     summary and one log line per newly rejected record.
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
import { lookUpKept, recall, toKeep } from './shared-memo.js';
import { createTriage, digestRecord, type ParsedRecord, type Triage } from './triage.js';

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
  const { memo, logger, store } = dependencies;
  const { size, records } = readKafkaEvent(event);
  const raw = [...records];
  // What other environments decided about these records: PostgreSQL looks while this one digests them.
  const { answer } = await lookUpKept(store, memo, raw);
  const digested = raw.map(digestRecord);
  const kept = await answer;
  const triage = createTriage();
  const read = digested.map((record) => recall(record, memo, kept) ?? triage.read(record));
  const decided = read.filter((record): record is FinalResult => record.status !== 'parsed');
  const parsed = read.filter((record): record is ParsedRecord => record.status === 'parsed');
  const final = assertFinal(size, await judgeAndStore(parsed.sort(inLockOrder), decided, triage, dependencies));
  // Also what another environment decided: the next retry here then needs neither the look-up nor a parse.
  for (const result of final) memo.remember(result.position, result.digest, result);
  const summary = summarize(final);
  logResults(final, summary, logger);
  return { response: batchResponse(final), summary, results: final };
}

/**
 * Judges the parsed records in the order given, each valid one going to the writer at once; the
 * final results of the whole batch (`decided`: those final before judging).
 */
async function judgeAndStore(
  parsed: readonly ParsedRecord[],
  decided: readonly FinalResult[],
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
  const others = [...decided, ...rejected];
  const stored = await writer.finish((answers) => toKeep([...others, ...answers]));
  return [...others, ...stored];
}

/** Sorted by the order_uid they claim; a uid's records stay in event order. */
const inLockOrder = (a: ParsedRecord, b: ParsedRecord): number => compareOrderUids(a.claimedUid, b.claimedUid) || a.index - b.index;
