import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, isDataError } from '../../shared/db/errors.js';

describe('isDatabaseUnavailable', () => {
  const serverError = (code: string) => Object.assign(new pg.DatabaseError('server says no', 0, 'error'), { code });
  const systemError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: 'connect' });

  it.each([
    ['a refused connection', systemError('ECONNREFUSED'), true],
    ['a timed-out socket', systemError('ETIMEDOUT'), true],
    ['an administrator shutdown (57P01)', serverError('57P01'), true],
    ['a connection failure (08006)', serverError('08006'), true],
    ['too many connections (53300)', serverError('53300'), true],
    ["the driver's own connection loss (a plain Error)", new Error('Connection terminated unexpectedly'), true],
    ['an undefined table (42P01)', serverError('42P01'), false],
    ['a unique violation (23505), whatever its message says', Object.assign(serverError('23505'), { message: 'connection timeout' }), false],
    ['a programming error', new TypeError('x is undefined'), false],
    ['a thrown string', 'connection lost', false],
  ])('%s → %s', (_case, error, expected) => {
    expect(isDatabaseUnavailable(error)).toBe(expected);
  });
});

describe('isDataError', () => {
  it.each([
    ['22008', true], // datetime_field_overflow
    ['22P02', true], // invalid_text_representation
    ['23505', true], // unique_violation
    ['08006', false], // connection_failure: an outage, not the rows' fault
    ['57P01', false], // admin_shutdown
    ['42P01', false], // undefined_table: a bug, not the rows' fault
  ])('SQLSTATE %s → %s', (code, expected) => {
    expect(isDataError(Object.assign(new Error('refused'), { code }))).toBe(expected);
  });

  it('is false for errors without a SQLSTATE and for non-errors', () => {
    expect(isDataError(new TypeError('bug'))).toBe(false);
    expect(isDataError(null)).toBe(false);
  });
});
