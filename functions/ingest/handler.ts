import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as orderStore from '../../shared/db/orders.js';
import { ingestKafkaEvent } from './ingest-batch.js';
import type { KafkaBatchResponse } from '../../shared/kafka/batch-response.js';
import type { KafkaEvent } from '../../shared/kafka/event.js';
import { createObservability, observedHandler } from '../../shared/observability.js';

/**
 * Consumer of the orders topic (Amazon MSK or self-managed Kafka event-source mapping with
 * ReportBatchItemFailures). Invalid records come back as batch item failures; a database error
 * is thrown so that the event-source mapping retries the batch and nothing is skipped.
 */
const observability = createObservability('ingest');
const { logger, metrics } = observability;

async function ingest(event: KafkaEvent): Promise<KafkaBatchResponse> {
  const { response, summary } = await ingestKafkaEvent(event, orderStore, logger);
  metrics.addMetric('RecordsReceived', MetricUnit.Count, summary.records);
  metrics.addMetric('OrdersStored', MetricUnit.Count, summary.stored);
  metrics.addMetric('OrdersDuplicate', MetricUnit.Count, summary.duplicates);
  metrics.addMetric('OrdersConflict', MetricUnit.Count, summary.conflicts);
  metrics.addMetric('OrdersRejected', MetricUnit.Count, summary.rejected);
  return response;
}

export const handler = observedHandler(ingest, observability);
