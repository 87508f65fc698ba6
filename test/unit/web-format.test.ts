import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDateTime, formatMoney } from '../../functions/api/web/browser/format.js';

describe('money and times on the page', () => {
  it('writes minor units with the digits of the currency', () => {
    expect(formatMoney(1817, 'USD', 'en-US')).toBe('$18.17');
    expect(formatMoney(1817, 'JPY', 'en-US')).toBe('¥1,817');
    expect(formatMoney(1817, 'KWD', 'en-US').replace(/\u00a0/g, ' ')).toBe('KWD 1.817'); // Intl puts a no-break space here
    expect(formatMoney(0, 'EUR', 'en-US')).toBe('€0.00');
  });

  it('says what the number is when the currency code is not one', () => {
    expect(formatMoney(1817, 'dollars', 'en-US')).toBe('1817 dollars (minor units)');
  });

  it('gives back the amount it was given (USD): the digits of the text are the minor units', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (minor) => {
        expect(Number(formatMoney(minor, 'USD', 'en-US').replace(/[^0-9]/g, ''))).toBe(minor);
      }),
    );
  });

  it('writes a date and time, and an unreadable value as it came', () => {
    expect(formatDateTime('2021-11-26T06:22:19Z', 'en-US')).toMatch(/^Nov 26, 2021, \d{1,2}:22:19\s?[AP]M$/);
    expect(formatDateTime(1637907727000, 'en-US')).toMatch(/2021/);
    expect(formatDateTime('not a date', 'en-US')).toBe('not a date');
  });
});
