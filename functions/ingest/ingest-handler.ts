/**
 * The ingest function as a factory: `createIngestHandler(config, dependencies)` returns the
 * Lambda handler of one execution environment, which owns its memo (memo.ts) and reaches
 * PostgreSQL through its dependencies (by default the container's database, created lazily on the
 * first invocation). handler.ts wires it from the environment; tests and benchmarks build their
 * own instances (each with its own memo and, if they like, its own database).
 *
 * Consumer of the orders topic (Amazon MSK or self-managed Kafka event-source mapping with
 * ReportBatchItemFailures). Invalid records come back as batch item failures; the invocation
 * fails when the database stays unreachable beyond INGEST_OUTAGE_BUDGET_SECONDS (so that the
 * event-source mapping retries the batch and nothing is skipped), and at once on a defect or a
 * misconfiguration (shared/db/errors.ts), which is counted in METRIC.IngestDefects.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { classifyError, describeError } from '../../shared/db/errors.js';
import { orderStore } from '../../shared/db/orders.js';
import { containerDatabase, type Database } from '../../shared/db/pool.js';
import type { KafkaBatchResponse } from '../../shared/kafka/batch-response.js';
import type { KafkaEvent } from '../../shared/kafka/event.js';
import { METRIC, SERVICES } from '../../shared/metrics.js';
import { createObservability, type Observability, observedHandler } from '../../shared/observability.js';
import type { IngestConfig } from './config.js';
import { ingestKafkaEvent } from './ingest-batch.js';
import { RecordMemo } from './memo.js';
import { OUTAGE_DEFAULTS, type OutagePolicy } from './outage.js';
import { addMetrics } from './report.js';
import type { OrderStore } from './store.js';

export interface IngestDependencies {
  store: OrderStore;
  observability: Observability;
}

/** What the function uses in AWS: the order store of `database` (the container's, unless given), Powertools logger and metrics. */
export function ingestDependencies(database: Database = containerDatabase): IngestDependencies {
  return { store: orderStore(database), observability: createObservability(SERVICES.ingest) };
}

export function createIngestHandler(config: IngestConfig, { store, observability }: IngestDependencies) {
  const { logger, metrics } = observability;
  const memo = new RecordMemo(config.memoMaxEntries);

  const outagePolicy = (context: Context): OutagePolicy => ({
    ...OUTAGE_DEFAULTS,
    budgetMs: config.outageBudgetMs,
    // Lambda always passes it; a hand-made context (a script) may not.
    remainingMs: () => context.getRemainingTimeInMillis?.() ?? 900_000,
    onRetry: ({ attempt, kind, error, delayMs }) =>
      kind === 'conflict'
        ? logger.info('write conflict with a concurrent writer; retrying at once', { attempt, ...describeError(error) })
        : logger.warn('database unavailable; retrying within the outage budget', { attempt, delay_ms: delayMs, ...describeError(error) }),
  });

  async function ingest(event: KafkaEvent, context: Context): Promise<KafkaBatchResponse> {
    try {
      const { response, summary } = await ingestKafkaEvent(event, { store, memo, logger, outage: outagePolicy(context) });
      addMetrics(metrics, summary);
      return response;
    } catch (error) {
      if (classifyError(error) === 'defect') {
        metrics.addMetric(METRIC.IngestDefects, MetricUnit.Count, 1);
        logger.error('invocation failed on a defect or misconfiguration', describeError(error));
      }
      throw error;
    }
  }

  return observedHandler(ingest, observability);
}
