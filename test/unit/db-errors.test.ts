import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config.js';
import { classifyError, describeError, isDatabaseUnavailable, isLoginRefused } from '../../shared/db/errors.js';
import { toPipelineError } from '../../shared/error-mapping.js';
import { PipelineError } from '../../shared/errors.js';

const serverError = (code: string, message = 'server says no') => Object.assign(new pg.DatabaseError(message, 0, 'error'), { code });
const systemError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: 'connect' });

describe('classifyError (the error table of shared/db/errors.ts)', () => {
  it.each([
    ['a refused connection', systemError('ECONNREFUSED')],
    ['a timed-out socket', systemError('ETIMEDOUT')],
    ['a broken pipe (EPIPE looks like a SQLSTATE but is not one)', systemError('EPIPE')],
    ['a refused multi-address connect', Object.assign(new AggregateError([systemError('ECONNREFUSED')], ''), { code: 'ECONNREFUSED' })],
    ['a connection failure (08006)', serverError('08006')],
    ['too many connections (53300)', serverError('53300')],
    ['an administrator shutdown (57P01)', serverError('57P01')],
    ['the database starting up (57P03)', serverError('57P03')],
    ['a statement timeout (57014)', serverError('57014')],
    ['an I/O error (58030)', serverError('58030')],
    ["the driver's own connection loss (a plain Error)", new Error('Connection terminated unexpectedly')],
    ['a retryable AWS SDK error (the secret)', Object.assign(new (class TimeoutError extends Error {})('timed out'), { $retryable: {} })],
  ])('unavailable: %s', (_case, error) => {
    expect(classifyError(error)).toBe('unavailable');
  });

  it.each([
    ['a deadlock (40P01)', '40P01'],
    ['a serialization failure (40001)', '40001'],
    ['a lock not available (55P03)', '55P03'],
  ])('conflict: %s', (_case, code) => {
    expect(classifyError(serverError(code))).toBe('conflict');
  });

  it.each([
    ['22008', 'datetime_field_overflow'],
    ['22P02', 'invalid_text_representation'],
    ['23505', 'unique_violation'],
    ['23514', 'check_violation'],
  ])('data: SQLSTATE %s (%s), whatever its message says', (code) => {
    expect(classifyError(serverError(code, 'connection timeout'))).toBe('data');
  });

  it('credentials: SQLSTATE 28P01 (invalid_password, e.g. a rotated secret)', () => {
    expect(classifyError(serverError('28P01'))).toBe('credentials');
  });

  it.each([
    ['insufficient privilege (42501)', serverError('42501')],
    ['a role without LOGIN (28000)', serverError('28000')],
    ['an undefined table (42P01)', serverError('42P01')],
    ['a syntax error (42601)', serverError('42601')],
    ['no such database (3D000)', serverError('3D000')],
    ['an internal error (XX000)', serverError('XX000')],
    ['a server error without a SQLSTATE', new pg.DatabaseError('odd', 0, 'error')],
    ['a programming error (TypeError)', new TypeError('x is undefined')],
    ['a RangeError', new RangeError('Invalid array length')],
    ['a misconfiguration (ConfigError)', new ConfigError('database configuration: DATABASE_URL: must be a postgres:// URL')],
    ['an error of another kind', new (class IngestDefect extends Error {})('no result')],
    ['a thrown string', 'connection lost'],
    ['null', null],
  ])('defect: %s', (_case, error) => {
    expect(classifyError(error)).toBe('defect');
  });
});

describe("isLoginRefused (the migrations' probe of a role)", () => {
  it('is SQLSTATE class 28', () => {
    const errors = [serverError('28P01'), serverError('28000'), serverError('08006'), new Error('x')];
    expect(errors.map(isLoginRefused)).toEqual([true, true, false, false]);
  });
});

describe('isDatabaseUnavailable (the read API: 503 or 500)', () => {
  it('is the table\'s "unavailable" and nothing else', () => {
    expect(isDatabaseUnavailable(serverError('57P01'))).toBe(true);
    expect(isDatabaseUnavailable(serverError('40P01'))).toBe(false);
    expect(isDatabaseUnavailable(serverError('42P01'))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('bug'))).toBe(false);
  });
});

describe('describeError', () => {
  it('gives kind, name, SQLSTATE and constraint, never the message (which can quote a value)', () => {
    const refused = serverError('22P02', 'invalid input syntax for type integer: "Zelda Quix"');
    const error = Object.assign(refused, { constraint: 'items_price_check' });
    const described = describeError(error);
    expect(described).toEqual({ error_kind: 'data', error_name: 'error', code: '22P02', constraint: 'items_price_check' });
    expect(JSON.stringify(described)).not.toContain('Zelda');
  });
});

describe('mapped errors (toPipelineError) read as their originals', () => {
  it.each([
    ['28P01', serverError('28P01')],
    ['23505 with its constraint', Object.assign(serverError('23505'), { constraint: 'orders_pkey' })],
    ['ECONNREFUSED', systemError('ECONNREFUSED')],
    ['a TypeError', new TypeError('x is undefined')],
  ])('%s: the same kind, login probe and description', (_case, error) => {
    const mapped = toPipelineError(error);
    expect(mapped).toBeInstanceOf(PipelineError);
    expect(mapped.cause).toBe(error);
    expect(classifyError(mapped)).toBe(classifyError(error));
    expect(isLoginRefused(mapped)).toBe(isLoginRefused(error));
    expect(describeError(mapped)).toEqual(describeError(error));
  });

  it('an error of ours is read by its kind, whatever else it carries', () => {
    const ours = Object.assign(new PipelineError('conflict', 'ours'), { code: '23505' });
    expect(classifyError(ours)).toBe('conflict');
    expect(describeError(ours)).toEqual({ error_kind: 'conflict', error_name: 'PipelineError', code: '23505' });
  });
});
