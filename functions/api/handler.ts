import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type AuthConfig, authConfigFromEnv } from '../../shared/http/auth-config.js';
import { apiError } from '../../shared/http/errors.js';
import { json, jsonText, PRIVATE_ORDER, respond, securityHeaders } from '../../shared/http/http.js';
import { httpHandler } from '../../shared/http/middleware.js';
import { METRIC, SERVICES } from '../../shared/metrics.js';
import { createObservability } from '../../shared/observability.js';
import { cacheStats, getOrder, health, listOrders } from './read-api.js';
import { dispatch, type Operations } from './router.js';
import { WEB_ASSETS } from './web/assets.js';

/**
 * The read API behind API Gateway (HTTP API, payload format 2.0): orders by order_uid from the
 * container's warm cache or one database query, the newest orders with keyset pagination,
 * health, cache statistics, the sign-in settings, and the order lookup page with its script
 * and stylesheet. Authorization happens before: the API Gateway JWT authorizer (routes.ts).
 */
const observability = createObservability(SERVICES.api);
const { metrics } = observability;

/** AUTH_* read once, on the container's first request (a bad value: one ConfigError naming it). */
let signIn: { config: AuthConfig | undefined; headers: Readonly<Record<string, string>> } | undefined;
function signInSettings() {
  if (!signIn) {
    const config = authConfigFromEnv();
    signIn = { config, headers: securityHeaders(config) };
  }
  return signIn;
}

// The page may change with a deploy: browsers revalidate rather than keep it.
const asset = (body: string, contentType: string) => () => respond(200, body, { 'content-type': contentType, 'cache-control': 'no-cache' });

const operations: Operations = {
  'GET /orders/{order_uid}': async ({ params }) => {
    const started = performance.now();
    const found = await getOrder(params.order_uid!);
    const took = (performance.now() - started).toFixed(3);
    metrics.addMetric(found.cache === 'hit' ? METRIC.CacheHit : METRIC.CacheMiss, MetricUnit.Count, 1);
    return jsonText(200, found.json, {
      'cache-control': PRIVATE_ORDER,
      vary: 'authorization',
      'x-cache': found.cache,
      'server-timing': found.cache === 'hit' ? `cache;desc="hit";dur=${took}` : `db;desc="miss";dur=${took}`,
    });
  },
  'GET /orders': async ({ event }) => json(200, await listOrders(event.queryStringParameters ?? {})),
  'GET /health': async () =>
    (await health()).reachable
      ? json(200, { status: 'ok', database: 'reachable' })
      : json(503, {
          status: 'unavailable',
          database: 'unreachable',
          error: 'service_unavailable',
          message: 'the database cannot be reached; cached orders are still served',
        }),
  'GET /cache/stats': () => json(200, cacheStats()),
  'GET /auth/config': () => {
    const { config } = signInSettings();
    if (!config) throw apiError(404, 'not_found', 'sign-in is not configured (AUTH_* variables)');
    const { issuer, clientId, authorizeUrl, tokenUrl, logoutUrl, scopes } = config;
    return json(200, { issuer, client_id: clientId, authorize_url: authorizeUrl, token_url: tokenUrl, logout_url: logoutUrl ?? null, scopes }, { 'cache-control': 'no-cache' });
  },
  'GET /': asset(WEB_ASSETS.html, 'text/html; charset=utf-8'),
  'GET /app.js': asset(WEB_ASSETS.js, 'text/javascript; charset=utf-8'),
  'GET /app.css': asset(WEB_ASSETS.css, 'text/css; charset=utf-8'),
};

const REQUEST = [METRIC.Requests] as const;
const FAILED_REQUEST = [METRIC.Requests, METRIC.ServerError] as const;

export const handler = httpHandler<APIGatewayProxyEventV2>((event) => dispatch(operations, event), observability, {
  serviceName: SERVICES.api,
  headers: () => signInSettings().headers,
  metricsFor: ({ response }) => (response.statusCode >= 500 ? FAILED_REQUEST : REQUEST),
});
