/**
 * The read API behind API Gateway (HTTP API, payload format 2.0): orders by order_uid from the
 * instance's warm cache or one database query (with a strong ETag and 304 for If-None-Match), the
 * newest orders with keyset pagination, health, cache statistics, the sign-in settings, the
 * OpenAPI document, and the order lookup page with its script and stylesheet. Authorization
 * happens before: the API Gateway JWT authorizer (shared/http/routes.ts).
 *
 * `createApiHandler(config, dependencies)` returns one instance: its configuration is read on its
 * first request (handler.ts passes the reader, since local runs set the environment after import),
 * its pool and cache are created then too, and nothing is shared with another instance.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createDatabase, type Database } from '../../shared/db/pool.js';
import { orderReader } from '../../shared/db/orders.js';
import { apiError } from '../../shared/http/errors.js';
import { json, jsonText, PRIVATE_ORDER, respond, securityHeaders } from '../../shared/http/http.js';
import { httpHandler } from '../../shared/http/middleware.js';
import { METRIC, SERVICES } from '../../shared/metrics.js';
import { createObservability, type Observability } from '../../shared/observability.js';
import { matchesIfNoneMatch } from './conditional.js';
import type { ApiConfig } from './config.js';
import { createReadApi, type ReadApi } from './read-api.js';
import { dispatch, type Operations } from './router.js';
import { WEB_ASSETS } from './web/assets.js';

export interface ApiDependencies {
  /** The instance's database (its pool is opened on the first query). */
  database: Database;
  observability: Observability;
}

/** What an instance builds on its first request, from its configuration. */
interface Instance {
  config: ApiConfig;
  readApi: ReadApi;
  headers: Readonly<Record<string, string>>;
}

// The page may change with a deploy: browsers revalidate rather than keep it.
const asset = (body: string, contentType: string) => () => respond(200, body, { 'content-type': contentType, 'cache-control': 'no-cache' });

function operationsOf(instance: () => Instance, { metrics }: Observability): Operations {
  let openApi: Promise<string> | undefined;
  return {
    'GET /orders/{order_uid}': async ({ params, event }) => {
      const started = performance.now();
      const found = await instance().readApi.getOrder(params.order_uid!);
      const took = (performance.now() - started).toFixed(3);
      metrics.addMetric(found.cache === 'hit' ? METRIC.CacheHit : METRIC.CacheMiss, MetricUnit.Count, 1);
      const headers = {
        'cache-control': PRIVATE_ORDER,
        vary: 'authorization',
        etag: found.etag,
        'x-cache': found.cache,
        'server-timing': found.cache === 'hit' ? `cache;desc="hit";dur=${took}` : `db;desc="miss";dur=${took}`,
      };
      if (matchesIfNoneMatch(event.headers['if-none-match'], found.etag)) return respond(304, '', headers);
      return jsonText(200, found.json, headers);
    },
    'GET /orders': async ({ event }) => json(200, await instance().readApi.listOrders(event.queryStringParameters ?? {})),
    'GET /health': async () =>
      (await instance().readApi.health()).reachable
        ? json(200, { status: 'ok', database: 'reachable' })
        : json(503, {
            status: 'unavailable',
            database: 'unreachable',
            error: 'service_unavailable',
            message: 'the database cannot be reached; cached orders are still served',
          }),
    'GET /cache/stats': () => json(200, instance().readApi.cacheStats()),
    'GET /auth/config': () => {
      const { signIn } = instance().config;
      if (!signIn) throw apiError(404, 'not_found', 'sign-in is not configured (AUTH_* variables)');
      const { issuer, clientId, authorizeUrl, tokenUrl, logoutUrl, scopes } = signIn;
      const endpoints = { authorize_url: authorizeUrl, token_url: tokenUrl, logout_url: logoutUrl ?? null };
      const settings = { issuer, client_id: clientId, ...endpoints, scopes };
      return json(200, settings, { 'cache-control': 'no-cache' });
    },
    // Built on the first request for it, once per instance (the schemas do not change while it runs). Imported then
    // too: the generator and its schemas are not part of a cold start (docs/benchmarks.md).
    'GET /openapi.json': async () => {
      openApi ??= import('../../shared/http/openapi.js').then(({ openApiText }) => openApiText());
      return jsonText(200, await openApi, { 'cache-control': 'public, max-age=300' });
    },
    'GET /': asset(WEB_ASSETS.html, 'text/html; charset=utf-8'),
    'GET /app.js': asset(WEB_ASSETS.js, 'text/javascript; charset=utf-8'),
    'GET /app.css': asset(WEB_ASSETS.css, 'text/css; charset=utf-8'),
  };
}

const REQUEST = [METRIC.Requests] as const;
const FAILED_REQUEST = [METRIC.Requests, METRIC.ServerError] as const;

/** `config`: the configuration, or its reader (called once, on the first request). */
export function createApiHandler(config: ApiConfig | (() => ApiConfig), { database, observability }: ApiDependencies) {
  let built: Instance | undefined;
  const instance = (): Instance => {
    if (!built) {
      const read = typeof config === 'function' ? config() : config;
      built = { config: read, readApi: createReadApi(read.cache, orderReader(database)), headers: securityHeaders(read.signIn) };
    }
    return built;
  };
  const operations = operationsOf(instance, observability);
  // If the configuration cannot be read (a ConfigError: the request is a 500), the headers without sign-in.
  const fallbackHeaders = securityHeaders();
  const headers = () => {
    try {
      return instance().headers;
    } catch {
      return fallbackHeaders;
    }
  };
  return httpHandler<APIGatewayProxyEventV2>((event) => dispatch(operations, event), observability, {
    headers,
    metricsFor: ({ response }) => (response.statusCode >= 500 ? FAILED_REQUEST : REQUEST),
  });
}

/** The dependencies of a deployed instance: a pool configured from `env`, Powertools observability. */
export function apiDependencies(env: NodeJS.ProcessEnv = process.env): ApiDependencies {
  return { database: createDatabase(env), observability: createObservability(SERVICES.api) };
}
