/**
 * The consumer's work for one Kafka event:
 *  - triage (triage.ts) each record on its own, pure, to its RecordResult (result.ts): read every
 *    record (remembered records keep their verdict, undecodable and non-JSON ones are `rejected`),
 *    then judge the parsed ones in lock order (sorted by the order_uid they claim, a uid's records
 *    in event order) to `rejected` or `valid`;
 *  - each `valid` record goes to the store's writer (store.ts) as it is judged, which writes the
 *    orders in pipelined chunks of one transaction and answers with a verdict for every record it was given;
 *  - every record must then have exactly one final result, or the invocation fails (an
 *    IngestDefect): a record is never acknowledged without having been stored;
 *  - the container remembers the fresh results (memo.ts); report (report.ts) gives the batch
 *    response, the summary and one log line per newly rejected record.
 * Every record is either stored (acknowledged) or reported as a batch item failure; the
 * invocation fails only when the database stays unavailable or on a defect (shared/db/errors.ts).
 */
import type { KafkaBatchResponse } from '../../shared/kafka/batch-response.js';
import { readKafkaEvent } from '../../shared/kafka/event.js';
import type { RecordMemo } from './memo.js';
import type { OutagePolicy } from './outage.js';
import { batchResponse, type IngestLogger, type IngestSummary, logResults, summarize } from './report.js';
import { assertFinal, type FinalResult, type RecordResult } from './result.js';
import { compareOrderUids, type OrderStore, OrderWriter } from './store.js';
import { createTriage, type ParsedRecord } from './triage.js';

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

export async function ingestKafkaEvent(event: unknown, { store, memo, logger, outage }: IngestBatchDependencies): Promise<IngestResult> {
  const { size, records } = readKafkaEvent(event);
  const triage = createTriage(memo);
  const results: Array<RecordResult | ParsedRecord> = Array.from(records, (raw) => triage.read(raw));
  const lockOrder = parsedInLockOrder(results);
  const writer = new OrderWriter(store, outage, lockOrder.length);
  for (const index of lockOrder) {
    const result = triage.judge(results[index] as ParsedRecord);
    results[index] = result;
    if (result.status !== 'valid') continue;
    const sent = writer.add(result);
    if (sent) await sent;
  }
  const verdicts = await writer.finish();
  const answered = results.map((result) => {
    if (result.status !== 'valid') return result;
    const verdict = verdicts.get(result);
    return verdict ? { position: result.position, digest: result.digest, remembered: false, ...verdict } : result;
  });
  const final = assertFinal(size, answered);
  for (const result of final) if (!result.remembered) memo.remember(result.position, result.digest, result);
  const summary = summarize(final);
  logResults(final, summary, logger);
  return { response: batchResponse(final), summary, results: final };
}

/** The indexes of the parsed records, sorted by the order_uid they claim (stable: a uid's records stay in event order). */
function parsedInLockOrder(results: ReadonlyArray<RecordResult | ParsedRecord>): number[] {
  const indexes: number[] = [];
  results.forEach((result, index) => {
    if (result.status === 'parsed') indexes.push(index);
  });
  const uid = (index: number) => (results[index] as ParsedRecord).claimedUid;
  return indexes.sort((a, b) => compareOrderUids(uid(a), uid(b)) || a - b);
}
