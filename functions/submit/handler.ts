import { MetricUnit } from '@aws-lambda-powertools/metrics';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpResponse } from '../../shared/http/http.js';
import { createObservability, observedHandler } from '../../shared/observability.js';
import { tracing } from '../../shared/tracing.js';
import { bodySizeLimit, httpErrorResponses } from './middleware.js';
import { MAX_ORDER_BYTES, orderProducerFromEnv, submitOrder } from './submit-order.js';

/**
 * POST /orders (API Gateway HTTP API, payload 2.0): validates an order and puts it on the orders
 * topic; the consumer stores it. 202 accepted · 400 invalid order or not JSON · 413 too large ·
 * 415 not JSON content · 503 broker unavailable (retry). It holds no database access at all.
 */
const observability = createObservability('submit');
const { logger, metrics } = observability;

/** One producer per container, connected on the first request and reused. */
const producer = orderProducerFromEnv(logger);

/** The event once @middy/http-json-body-parser has replaced the body text with its JSON value. */
type ParsedEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body: unknown };

async function submit(event: ParsedEvent): Promise<HttpResponse> {
  const outcome = await submitOrder(event.body, producer);
  switch (outcome.kind) {
    case 'accepted':
      metrics.addMetric('OrdersAccepted', MetricUnit.Count, 1);
      logger.info('order queued', { order_uid: outcome.orderUid, partition: outcome.record.partition, offset: outcome.record.offset });
      break;
    case 'invalid':
      metrics.addMetric('OrdersRejected', MetricUnit.Count, 1);
      // Paths only: messages can quote submitted values.
      logger.info('order rejected', { violations: outcome.violations.map((violation) => violation.path) });
      break;
    case 'unavailable':
      metrics.addMetric('BrokerUnavailable', MetricUnit.Count, 1);
      logger.error('orders topic unavailable', { error: outcome.error.message });
      break;
  }
  return outcome.response;
}

export const handler = observedHandler(submit, observability, tracing('submit'))
  .use(bodySizeLimit(MAX_ORDER_BYTES))
  .use(httpJsonBodyParser())
  .use(httpErrorResponses(observability));
