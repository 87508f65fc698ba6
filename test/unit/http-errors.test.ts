import createError from 'http-errors';
import { describe, expect, it } from 'vitest';
import { toApiError } from '../../shared/http/errors.js';

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
