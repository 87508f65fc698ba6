import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { respond, type HttpResponse } from '../../shared/http/http.js';
import { cacheStats, getOrder, health, listOrders } from './read-api.js';
import { dispatch, type Route } from './router.js';
import { createObservability, observedHandler } from '../../shared/observability.js';
import { tracing } from '../../shared/tracing.js';
import { APP_CSS } from './web/app-css.js';
import { APP_JS } from './web/app-js.js';
import { INDEX_HTML } from './web/index-html.js';

/**
 * The read API behind API Gateway (HTTP API, payload format 2.0): orders by order_uid from the
 * container's warm cache or one database query, the newest orders with keyset pagination,
 * health, cache statistics, and the order lookup page with its script and stylesheet.
 */
const observability = createObservability('api');
const { logger, metrics } = observability;

// The page may change with a deploy: browsers revalidate rather than keep it.
const asset = (body: string, contentType: string) => () => respond(200, body, { 'content-type': contentType, 'cache-control': 'no-cache' });

const routes: readonly Route[] = [
  { pattern: /^\/orders\/([^/]+)$/, methods: { GET: ([orderUid]) => getOrder(orderUid!) } },
  { pattern: /^\/orders$/, methods: { GET: (_params, event) => listOrders(event.queryStringParameters ?? {}) } },
  { pattern: /^\/health$/, methods: { GET: health } },
  { pattern: /^\/cache\/stats$/, methods: { GET: cacheStats } },
  { pattern: /^\/$/, methods: { GET: asset(INDEX_HTML, 'text/html; charset=utf-8') } },
  { pattern: /^\/app\.js$/, methods: { GET: asset(APP_JS, 'text/javascript; charset=utf-8') } },
  { pattern: /^\/app\.css$/, methods: { GET: asset(APP_CSS, 'text/css; charset=utf-8') } },
];

async function api(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
  const response = await dispatch(routes, event, (error, status) =>
    // The error object only: request data (ids, bodies) stays out of the logs.
    logger.error(status === 503 ? 'database unavailable' : 'request failed', { error: error as Error, status }),
  );
  metrics.addMetric('Requests', MetricUnit.Count, 1);
  const cache = response.headers['x-cache'];
  if (cache) metrics.addMetric(cache === 'hit' ? 'CacheHit' : 'CacheMiss', MetricUnit.Count, 1);
  if (response.statusCode >= 500) metrics.addMetric('ServerError', MetricUnit.Count, 1);
  return response;
}

export const handler = observedHandler(api, observability, tracing('api'));
