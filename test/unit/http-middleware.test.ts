import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { apiError } from '../../shared/http/errors.js';
import { json, securityHeaders } from '../../shared/http/http.js';
import { httpHandler } from '../../shared/http/middleware.js';
import { METRIC } from '../../shared/metrics.js';
import { createObservability } from '../../shared/observability.js';
import { apiGatewayEvent } from '../support/api-events.js';
import { lambdaContext } from '../support/lambda.js';
import { problem } from '../support/problems.js';

/** The fixture request's path: the problem's instance. */
const INSTANCE = apiGatewayEvent().rawPath;

/** The shared middleware stack around a handler that throws or answers what each test says. */
function stackAround(run: () => Promise<ReturnType<typeof json>>) {
  const observability = createObservability('error-model-test');
  const logged = vi.spyOn(observability.logger, 'error').mockImplementation(() => undefined);
  const counted = vi.spyOn(observability.metrics, 'addMetric');
  const handler = httpHandler<APIGatewayProxyEventV2>(run, observability, {
    headers: () => securityHeaders(),
    metricsFor: ({ response, error }) => (error ? [METRIC.ServerError] : response.statusCode === 200 ? [METRIC.Requests] : []),
  });
  const call = async () => handler(apiGatewayEvent(), lambdaContext());
  return { call, logged, counted: () => counted.mock.calls.map(([name]) => name) };
}

const body = (response: { body?: string }) => JSON.parse(response.body ?? 'null') as unknown;

describe('httpHandler: the error renderer', () => {
  it('renders a typed error as problem details (RFC 9457) with its status and headers, and the security headers', async () => {
    const { call } = stackAround(async () => {
      throw apiError(405, 'method_not_allowed', 'PUT is not allowed on /health; allowed: GET', { headers: { allow: 'GET' } });
    });
    const response = await call();
    expect(response.statusCode).toBe(405);
    const detail = 'PUT is not allowed on /health; allowed: GET';
    expect(body(response)).toEqual(problem(405, 'method_not_allowed', detail, { instance: INSTANCE }));
    expect(response.headers).toMatchObject({ allow: 'GET', 'content-type': 'application/problem+json', 'cache-control': 'no-store' });
    expect(response.headers['x-frame-options']).toBe('DENY');
  });

  it('adds violations for an invalid order', async () => {
    const violations = [{ path: '$.order_uid', message: 'must match' }];
    const { call } = stackAround(async () => {
      throw apiError(400, 'invalid_order', 'the order breaks 1 rule(s) of the order contract', { violations });
    });
    const detail = 'the order breaks 1 rule(s) of the order contract';
    expect(body(await call())).toEqual(problem(400, 'invalid_order', detail, { instance: INSTANCE, violations }));
  });

  it('sends a 503 with retry-after and its own message, and logs the cause (name, message, code) only', async () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const { call, logged } = stackAround(async () => {
      throw apiError(503, 'service_unavailable', 'the database is unavailable; try again shortly', {
        headers: { 'retry-after': '5' },
        cause,
      });
    });
    const response = await call();
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    const detail = 'the database is unavailable; try again shortly';
    expect(body(response)).toEqual(problem(503, 'service_unavailable', detail, { instance: INSTANCE }));
    expect(logged).toHaveBeenCalledWith('dependency unavailable', {
      status: 503,
      error: { name: 'Error', message: cause.message, code: 'ECONNREFUSED' },
    });
  });

  it('answers a bug with a bare 500 that says nothing of it, and logs it', async () => {
    const { call, logged } = stackAround(async () => {
      throw Object.assign(new Error('column "secret" does not exist'), { code: '42703', detail: 'Test Testov' });
    });
    const response = await call();
    expect(response.statusCode).toBe(500);
    expect(body(response)).toEqual(problem(500, 'internal_error', 'internal error', { instance: INSTANCE }));
    expect(response.body).not.toMatch(/secret|42703|Testov|stack/);
    expect(logged).toHaveBeenCalledWith('request failed', {
      status: 500,
      error: { name: 'Error', message: 'column "secret" does not exist', code: '42703' },
    });
  });

  it('counts metrics from the outcome: the rendered error, or the answer', async () => {
    const failing = stackAround(async () => {
      throw new TypeError('bug');
    });
    await failing.call();
    expect(failing.counted()).toEqual([METRIC.ServerError]);
    const answering = stackAround(async () => json(200, { ok: true }));
    const response = await answering.call();
    expect(answering.counted()).toEqual([METRIC.Requests]);
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});
