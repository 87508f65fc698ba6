/**
 * The middleware stack of both HTTP functions, written once: Powertools logger and metrics
 * (shared/observability.ts), security headers on every response, one error renderer, and
 * metrics counted from each request's outcome. Further middlewares (a body parser) go after it.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { MetricName } from '../metrics.js';
import { type Observability, observedHandler } from '../observability.js';
import { type ApiError, describeError, PROBLEM_CONTENT_TYPE, problemDetails, toApiError } from './errors.js';
import { type HttpResponse, json } from './http.js';

/** What a request came to: the response, and the error it was rendered from, if any. */
export interface Outcome {
  response: HttpResponse;
  error?: ApiError;
}

export interface HttpStackOptions {
  /** Headers every response carries (shared/http/http.ts `securityHeaders`). */
  headers: () => Readonly<Record<string, string>>;
  /** The metric names one outcome counts, each counted once per name listed. */
  metricsFor: (outcome: Outcome) => readonly MetricName[];
}

/** The request's path, the problem's `instance` (payload format 2.0 events carry `rawPath`). */
const requestPath = (event: unknown): string | undefined => {
  const path = (event as { rawPath?: unknown } | undefined)?.rawPath;
  return typeof path === 'string' ? path : undefined;
};

/** Renders whatever was thrown as problem details (RFC 9457); 5xx are logged with their cause (name, message, code). */
function errorRenderer<TEvent>({ logger }: Pick<Observability, 'logger'>): MiddlewareObj<TEvent, HttpResponse> {
  return {
    onError: (request) => {
      const error = toApiError(request.error);
      request.error = error;
      if (error.statusCode >= 500) {
        logger.error(error.statusCode === 503 ? 'dependency unavailable' : 'request failed', {
          status: error.statusCode,
          error: describeError(error.cause ?? error),
        });
      }
      const body = problemDetails(error, requestPath(request.event));
      request.response = json(error.statusCode, body, { ...error.headers, 'content-type': PROBLEM_CONTENT_TYPE });
    },
  };
}

function withHeaders<TEvent>(headers: HttpStackOptions['headers']): MiddlewareObj<TEvent, HttpResponse> {
  const add = (request: { response: HttpResponse | null | undefined }) => {
    if (request.response) request.response.headers = { ...headers(), ...request.response.headers };
  };
  return { after: add, onError: add };
}

function outcomeMetrics<TEvent>(
  { metrics }: Pick<Observability, 'metrics'>,
  metricsFor: HttpStackOptions['metricsFor'],
): MiddlewareObj<TEvent, HttpResponse> {
  const count = (outcome: Outcome) => {
    for (const name of metricsFor(outcome)) metrics.addMetric(name, MetricUnit.Count, 1);
  };
  return {
    after: ({ response }) => {
      if (response) count({ response });
    },
    onError: ({ response, error }) => {
      if (response) count({ response, error: error as ApiError });
    },
  };
}

/**
 * A middy handler for API Gateway with the whole stack; chain `.use(...)` for function-specific
 * middlewares. The handler returns a response or throws an ApiError (shared/http/errors.ts); the
 * stack renders either.
 *
 * @example
 * ```ts
 * export const handler = httpHandler(submitOrder, observability, stackOptions).use(httpJsonBodyParser());
 * ```
 */
export function httpHandler<TEvent>(
  handler: (event: TEvent, context: Context) => Promise<HttpResponse>,
  observability: Observability,
  { headers, metricsFor }: HttpStackOptions,
) {
  // middy runs `after`/`onError` in reverse order of `use`: the renderer first, then metrics, then headers.
  return observedHandler<TEvent, HttpResponse>(handler, observability)
    .use(withHeaders<TEvent>(headers))
    .use(outcomeMetrics<TEvent>(observability, metricsFor))
    .use(errorRenderer<TEvent>(observability));
}
