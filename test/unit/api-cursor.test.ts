import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURSOR_PATTERN, decodeCursor, encodeCursor, InvalidCursorError } from '../../shared/http/cursor.js';

describe('order list cursor', () => {
  it('round-trips the id it points after, as URL-safe text the published pattern matches', () => {
    for (const id of ['1', '35', '36', '123456789012345', '4738381338321616895']) {
      const cursor = encodeCursor(id);
      expect(cursor).toMatch(CURSOR_PATTERN);
      expect(decodeCursor(cursor)).toBe(id);
    }
  });

  it('reads every string the published pattern matches: the schema says exactly what the server accepts', () => {
    fc.assert(
      fc.property(fc.stringMatching(CURSOR_PATTERN), (cursor) => {
        const id = decodeCursor(cursor);
        if (cursor === '') expect(id).toBeUndefined();
        else expect(BigInt(id!)).toBeLessThanOrEqual(2n ** 63n - 1n);
      }),
    );
  });

  it('is empty for the first page', () => {
    expect(decodeCursor('')).toBeUndefined();
  });

  it('refuses an id beyond what the pattern holds instead of publishing a cursor the schema forbids', () => {
    expect(() => encodeCursor('9223372036854775807')).toThrow(RangeError);
  });

  it.each([
    ['upper case', 'ABC'],
    ['base64', 'eyJ2IjoxfQ=='],
    ['SQL', '1; DROP TABLE orders'],
    ['a sign', '-1'],
    ['13 digits', 'zzzzzzzzzzzzz'],
  ])('rejects %s', (_label, cursor) => {
    expect(cursor).not.toMatch(CURSOR_PATTERN);
    expect(() => decodeCursor(cursor)).toThrow(InvalidCursorError);
  });
});
