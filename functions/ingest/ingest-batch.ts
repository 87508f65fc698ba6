/**
 * The consumer's work for one Kafka event, stage by stage (result.ts names each stage's type):
 *  1. recall: while PostgreSQL looks up what other environments kept about the records
 *     (shared-memo.ts), nothing else waits on it; then a record this container or another decided
 *     before, with the same digest, keeps its verdict without being read again (a re-delivery's
 *     records mostly are). Only those records are digested here;
 *  2. place the others in lock order (lock-order.ts): by their Kafka keys, without reading them;
 *  3. read and judge them in that order (triage.ts), each valid one going to the store's writer
 *     (store.ts) as it is judged, which writes the orders in pipelined chunks of one transaction
 *     and answers with a final result for every record it was given. If a key names another
 *     order_uid than its record's valid order, the writer rolls back (nothing stored) and the
 *     records are placed again by what their values claim, then read, judged and written;
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
import { misplaced, place, readPlaced, type Placed, type Unread } from './lock-order.js';
import { isKnown, lookUpKept, recall, toKeep } from './shared-memo.js';
import { type OrderStore, OrderWriter } from './store.js';
import { createTriage, digestRecord, type Triage } from './triage.js';

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
  const { answer } = await lookUpKept(store, memo, raw);
  const kept = await answer;
  const decided: FinalResult[] = [];
  const unread: Unread[] = [];
  raw.forEach((record, index) => {
    const earlier = isKnown(record.position, memo, kept) ? recall(digestRecord(record, index), memo, kept) : undefined;
    if (earlier) decided.push(earlier);
    else unread.push({ index, position: record.position, raw: record });
  });
  const final = assertFinal(size, await decideUnread(unread, decided, dependencies));
  // Also what another environment decided: the next retry here then needs neither the look-up nor a parse.
  for (const result of final) memo.remember(result.position, result.digest, result);
  const summary = summarize(final);
  logResults(final, summary, logger);
  return { response: batchResponse(final), summary, results: final };
}

/** The final results of the whole batch: `decided`, and the unread records judged and stored. */
async function decideUnread(
  unread: readonly Unread[],
  decided: FinalResult[],
  dependencies: IngestBatchDependencies,
): Promise<FinalResult[]> {
  // A re-delivery whose records were all decided before: nothing to read, write or keep.
  if (unread.length === 0) return decided;
  const byKey = await judgeAndStore(unread, decided, dependencies, 'key');
  // Placed by value, no record can be misplaced: there is always an answer.
  return byKey ?? (await judgeAndStore(unread, decided, dependencies, 'value'))!;
}

/**
 * Places the unread records (lock-order.ts), then judges them in that order, each valid one going
 * to the writer at once: the final results of the whole batch (`decided`: those final before
 * judging). Undefined, with nothing stored, when a record was placed by a key that names another
 * order_uid than its value's (lock-order.ts `misplaced`): then only placing `by: 'value'` keeps the lock order.
 */
async function judgeAndStore(
  unread: readonly Unread[],
  decided: readonly FinalResult[],
  { store, outage }: IngestBatchDependencies,
  by: 'key' | 'value',
): Promise<FinalResult[] | undefined> {
  const triage = createTriage();
  const placed = place(unread, triage, by);
  const writer = new OrderWriter(store, outage, placed.length);
  const rejected = await judgeInOrder(placed, triage, writer, by === 'key');
  if (rejected === undefined) return undefined;
  const others = [...decided, ...rejected];
  const stored = await writer.finish((answers) => toKeep([...others, ...answers]));
  return [...others, ...stored];
}

/** The rejected results; undefined, after the writer rolled back, if `checkClaims` finds a misplaced record. */
async function judgeInOrder(
  placed: readonly Placed[],
  triage: Triage,
  writer: OrderWriter,
  checkClaims: boolean,
): Promise<FinalResult[] | undefined> {
  const rejected: FinalResult[] = [];
  for (const record of placed) {
    const read = readPlaced(record, triage);
    const judged = read.status === 'parsed' ? triage.judge(read) : read;
    if (checkClaims && misplaced(record, judged)) {
      await writer.abandon();
      return undefined;
    }
    if (judged.status === 'valid') await writer.add(judged);
    else rejected.push(judged);
  }
  return rejected;
}
