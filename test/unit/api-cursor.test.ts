import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, InvalidCursorError } from '../../functions/api/cursor.js';

describe('order list cursor', () => {
  it('round-trips the id it points after, as URL-safe text', () => {
    const cursor = encodeCursor('9223372036854775807');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toBe('9223372036854775807');
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc+/='],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['JSON null', Buffer.from('null').toString('base64url')],
    ['another version', Buffer.from('{"v":2,"after":"1"}').toString('base64url')],
    ['a numeric id', Buffer.from('{"v":1,"after":1}').toString('base64url')],
    ['an id with SQL', Buffer.from('{"v":1,"after":"1; DROP TABLE orders"}').toString('base64url')],
    ['a zero id', Buffer.from('{"v":1,"after":"0"}').toString('base64url')],
    ['an id beyond bigint', Buffer.from('{"v":1,"after":"9223372036854775808"}').toString('base64url')],
  ])('rejects %s', (_label, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(InvalidCursorError);
  });
});
