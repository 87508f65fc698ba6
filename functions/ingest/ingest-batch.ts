/**
 * The consumer's work for one Kafka event, in one pass over its records:
 *  - triage (triage.ts) each record on its own, pure, to its RecordResult (result.ts): remembered
 *    records keep their verdict, the rest are `rejected` or `valid`;
 *  - each `valid` record goes to the store's writer (store.ts) as it is found, which writes the
 *    orders in pipelined chunks and answers with a verdict for every record it was given;
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
import { type OrderStore, OrderWriter } from './store.js';
import { createTriage } from './triage.js';

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
  const writer = new OrderWriter(store, outage, size);
  const results: RecordResult[] = [];
  for (const raw of records) {
    const result = triage(raw);
    results.push(result);
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
