import type middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { isApiError } from '../../shared/http/errors.js';
import { json, securityHeaders } from '../../shared/http/http.js';
import { httpHandler, type Outcome } from '../../shared/http/middleware.js';
import { METRIC, type MetricName, SERVICES } from '../../shared/metrics.js';
import { createObservability } from '../../shared/observability.js';
import { bodySizeLimit, jsonBody } from './middleware.js';
import { MAX_ORDER_BYTES, orderProducerFromEnv, submitOrder } from './submit-order.js';

/**
 * POST /orders (API Gateway HTTP API, payload 2.0): validates an order and puts it on the orders
 * topic; the consumer stores it. 202 accepted · 400 invalid order or not JSON · 413 too large ·
 * 415 not JSON content · 503 broker unavailable (retry). It holds no database access at all.
 */
const observability = createObservability(SERVICES.submit);
const { logger } = observability;

/** One producer per container, connected on the first request and reused. */
const producer = orderProducerFromEnv(logger);

/** The event once the JSON body parser has replaced the body text with its JSON value. */
type ParsedEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body: unknown };

async function submit(event: ParsedEvent) {
  const { orderUid, record } = await submitOrder(event.body, producer);
  logger.info('order queued', { order_uid: orderUid, partition: record.partition, offset: record.offset });
  return json(202, { order_uid: orderUid, status: 'accepted' }, { location: `/orders/${orderUid}` });
}

function metricsFor({ response, error }: Outcome): MetricName[] {
  if (response.statusCode === 202) return [METRIC.OrdersAccepted];
  if (error?.code === 'invalid_order') return [METRIC.OrdersRejected];
  if (response.statusCode === 503) return [METRIC.BrokerUnavailable];
  return [response.statusCode >= 500 ? METRIC.InternalErrors : METRIC.RequestsRefused];
}

/** Paths only: violation messages can quote submitted values. */
const logRejections: middy.MiddlewareObj<ParsedEvent> = {
  onError: ({ error }) => {
    if (isApiError(error) && error.violations) {
      logger.info('order rejected', { violations: error.violations.map((violation) => violation.path) });
    }
  },
};

const SECURITY_HEADERS = securityHeaders();

export const handler = httpHandler<ParsedEvent>(submit, observability, {
  serviceName: SERVICES.submit,
  headers: () => SECURITY_HEADERS,
  metricsFor,
})
  .use(logRejections)
  .use(bodySizeLimit(MAX_ORDER_BYTES))
  .use(jsonBody());
