import createError from 'http-errors';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config.js';
import { toPipelineError } from '../../shared/error-mapping.js';
import { PipelineError } from '../../shared/errors.js';
import { ApiError, apiError, RETRY_AFTER_SECONDS, toApiError } from '../../shared/http/errors.js';
import { BrokerUnavailableError } from '../../shared/kafka/producer.js';

const serverError = (code: string) => Object.assign(new pg.DatabaseError('server says no', 0, 'error'), { code });

describe('toApiError', () => {
  it("gives another middleware's 4xx http error the code of its status and keeps its message", () => {
    expect(toApiError(createError(415, 'Unsupported Media Type'))).toMatchObject({
      statusCode: 415,
      code: 'unsupported_media_type',
      message: 'Unsupported Media Type',
    });
  });

  it("never exposes a 5xx http error's message", () => {
    expect(toApiError(createError(502, 'upstream said: Test Testov'))).toMatchObject({
      statusCode: 500,
      code: 'internal_error',
      message: 'internal error',
    });
  });
});

describe('ApiError (an HTTP problem in the one error model)', () => {
  it('is a PipelineError whose kind follows its status, and an http error to middy', () => {
    const cases = [
      [apiError(400, 'invalid_order', 'bad order'), 'data', false],
      [apiError(503, 'service_unavailable', 'try again'), 'unavailable', true],
      [apiError(500, 'internal_error', 'internal error'), 'defect', false],
    ] as const;
    for (const [error, kind, retryable] of cases) {
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toBeInstanceOf(PipelineError);
      expect(error).toMatchObject({ kind, retryable, expose: true, status: error.statusCode });
      expect(createError.isHttpError(error)).toBe(true);
    }
  });
});

describe('toApiError maps a kind to its status', () => {
  it.each([
    ['a database shutdown (57P01)', serverError('57P01')],
    ['a refused login (28P01)', serverError('28P01')],
    ['the broker unavailable', new BrokerUnavailableError('could not write to topic "orders"')],
    ['a mapped refused connection', toPipelineError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))],
  ])('a retry can help: 503 with Retry-After (%s)', (_case, error) => {
    const rendered = toApiError(error);
    expect(rendered).toMatchObject({
      statusCode: 503,
      code: 'service_unavailable',
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
    });
    expect(rendered.cause).toBe(error);
  });

  it.each([
    ['an undefined table (42P01)', serverError('42P01')],
    ['a value the database refused (22P02), which input checks should have caught', serverError('22P02')],
    ['a misconfiguration', new ConfigError('database configuration: DATABASE_URL: required')],
    ['a bug', new TypeError('x is undefined')],
  ])('no retry helps: a bare 500 (%s)', (_case, error) => {
    expect(toApiError(error)).toMatchObject({ statusCode: 500, code: 'internal_error', message: 'internal error' });
  });
});
