/**
 * POST /orders (API Gateway HTTP API, payload 2.0): validates an order and puts it on the orders
 * topic; the consumer stores it. 202 accepted · 400 invalid order, not JSON or not UTF-8 · 413 too
 * large · 415 not JSON content or another charset · 503 broker unavailable (retry). It holds no
 * database access at all.
 *
 * `createSubmitHandler(config, dependencies)` returns one instance with its own producer, created
 * and connected on its first request (from `config`, or its reader called then) and reused.
 */
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { isApiError } from '../../shared/http/errors.js';
import { json, securityHeaders } from '../../shared/http/http.js';
import { httpHandler, type Outcome } from '../../shared/http/middleware.js';
import type { Env } from '../../shared/config.js';
import { type KafkaEnvConfig, type KafkaLogSink, kafkaConfigFromEnv } from '../../shared/kafka/client.js';
import type { RecordProducer } from '../../shared/kafka/producer.js';
import { METRIC, type MetricName, SERVICES } from '../../shared/metrics.js';
import { createObservability, type Observability } from '../../shared/observability.js';
import { bodySizeLimit, jsonBody, utf8Body } from './middleware.js';
import { MAX_ORDER_BYTES, orderProducer, submitOrder } from './submit-order.js';

export interface SubmitConfig {
  kafka: KafkaEnvConfig;
}

/** Throws one ConfigError naming each bad KAFKA_* variable. */
export function readSubmitConfig(env: Env = process.env): SubmitConfig {
  return { kafka: kafkaConfigFromEnv(env) };
}

export interface SubmitDependencies {
  observability: Observability;
  /** Builds the instance's producer (tests pass their own); default: kafkajs, lazily connected. */
  producer?: (readConfig: () => KafkaEnvConfig, logger: KafkaLogSink) => RecordProducer;
}

/** The event once the JSON body parser has replaced the body text with its JSON value. */
type ParsedEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body: unknown };

function metricsFor({ response, error }: Outcome): MetricName[] {
  if (response.statusCode === 202) return [METRIC.OrdersAccepted];
  if (error?.code === 'invalid_order') return [METRIC.OrdersRejected];
  if (response.statusCode === 503) return [METRIC.BrokerUnavailable];
  return [response.statusCode >= 500 ? METRIC.InternalErrors : METRIC.RequestsRefused];
}

const SECURITY_HEADERS = securityHeaders();

export function createSubmitHandler(
  config: SubmitConfig | (() => SubmitConfig),
  { observability, producer: build = orderProducer }: SubmitDependencies,
) {
  const { logger } = observability;
  let read: SubmitConfig | undefined;
  const kafka = () => (read ??= typeof config === 'function' ? config() : config).kafka;
  const producer = build(kafka, logger);

  async function submit(event: ParsedEvent) {
    const { orderUid, record } = await submitOrder(event.body, producer);
    logger.info('order queued', { order_uid: orderUid, partition: record.partition, offset: record.offset });
    return json(202, { order_uid: orderUid, status: 'accepted' }, { location: `/orders/${orderUid}` });
  }

  /** Paths only: violation messages can quote submitted values. */
  const logRejections: middy.MiddlewareObj<ParsedEvent> = {
    onError: ({ error }) => {
      if (isApiError(error) && error.violations) {
        logger.info('order rejected', { violations: error.violations.map((violation) => violation.path) });
      }
    },
  };

  return httpHandler<ParsedEvent>(submit, observability, { headers: () => SECURITY_HEADERS, metricsFor })
    .use(logRejections)
    .use(bodySizeLimit(MAX_ORDER_BYTES))
    .use(utf8Body())
    .use(jsonBody());
}

export function submitDependencies(): SubmitDependencies {
  return { observability: createObservability(SERVICES.submit) };
}
