/**
 * Powertools observability for one function: structured JSON logs and CloudWatch metrics
 * (embedded metric format). The namespace is overridable with POWERTOOLS_METRICS_NAMESPACE, the
 * level with POWERTOOLS_LOG_LEVEL; POWERTOOLS_METRICS_DISABLED=true silences metrics locally.
 * Every handler is wrapped by `observedHandler`, so what observes a function is decided here once.
 * Tracing is Lambda's own: active X-Ray tracing (infra) records each invocation's segment of the
 * functions API Gateway invokes; spans for PostgreSQL and Kafka are later work, through
 * OpenTelemetry (docs/deploy.md, Observability).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';

import { METRICS_NAMESPACE } from './metrics.js';

export interface Observability {
  logger: Logger;
  metrics: Metrics;
}

/**
 * The logger and metrics of one function, under its Powertools `service` name (SERVICES in
 * shared/metrics.ts). Create it once per module, outside the handler.
 *
 * @example
 * ```ts
 * const observability = createObservability(SERVICES.submit);
 * observability.metrics.addMetric(METRIC.OrdersAccepted, MetricUnit.Count, 1);
 * ```
 */
export function createObservability(serviceName: string): Observability {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE, serviceName }),
  };
}

/** A middy handler with the observability middlewares applied; chain further `.use(...)` as needed. */
export function observedHandler<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>,
  { logger, metrics }: Observability,
) {
  // No early-timeout timer per invocation: Lambda enforces the timeout itself, and no function
  // here answers differently just before it (saves a timer and a promise race on every request).
  return middy<TEvent, TResult>(handler, { timeoutEarlyInMillis: 0 }).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}
