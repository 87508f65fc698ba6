import type { Context } from 'aws-lambda';
import * as orderStore from '../../shared/db/orders.js';
import type { KafkaBatchResponse } from '../../shared/kafka/batch-response.js';
import type { KafkaEvent } from '../../shared/kafka/event.js';
import { SERVICES } from '../../shared/metrics.js';
import { createObservability, observedHandler } from '../../shared/observability.js';
import { readIngestConfig } from './config.js';
import { ingestKafkaEvent } from './ingest-batch.js';
import { JudgementMemo } from './memo.js';
import { OUTAGE_DEFAULTS, type OutagePolicy } from './outage.js';
import { addMetrics } from './report.js';

/**
 * Consumer of the orders topic (Amazon MSK or self-managed Kafka event-source mapping with
 * ReportBatchItemFailures). Invalid records come back as batch item failures; the invocation
 * fails only when the database stays unreachable beyond INGEST_OUTAGE_BUDGET_SECONDS, so that
 * the event-source mapping retries the batch and nothing is skipped.
 */
const observability = createObservability(SERVICES.ingest);
const { logger, metrics } = observability;
const config = readIngestConfig();
/** Per container: records already stored or rejected (memo.ts). Exported for tests that empty the database. */
export const containerMemo = new JudgementMemo(config.memoMaxEntries);

function outagePolicy(context: Context): OutagePolicy {
  return {
    ...OUTAGE_DEFAULTS,
    budgetMs: config.outageBudgetMs,
    // Lambda always passes it; a hand-made context (a script) may not.
    remainingMs: () => context.getRemainingTimeInMillis?.() ?? 900_000,
    onRetry: (attempt, error, delayMs) =>
      logger.warn('database unavailable; retrying within the outage budget', { attempt, delay_ms: delayMs, error: (error as Error).message }),
  };
}

async function ingest(event: KafkaEvent, context: Context): Promise<KafkaBatchResponse> {
  const { response, summary } = await ingestKafkaEvent(event, { store: orderStore, memo: containerMemo, logger, outage: outagePolicy(context) });
  addMetrics(metrics, summary);
  return response;
}

export const handler = observedHandler(ingest, observability);
