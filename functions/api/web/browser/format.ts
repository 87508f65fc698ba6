/**
 * How the page writes amounts and times. Amounts are integers in the currency's minor units; the currency says how
 * many (2 for USD/EUR/RUB, 0 for JPY, 3 for KWD), as Intl knows it. Pure: test/unit/web-format.test.ts.
 */
export function formatMoney(minor: number, currency: string, locale?: string): string {
  try {
    const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(minor / 10 ** digits);
  } catch {
    // An unknown currency code: say what the number is rather than guess its digits.
    return `${minor} ${currency} (minor units)`;
  }
}

/** A date and time in the reader's locale and zone, or the value as given when it is not a date. */
export function formatDateTime(value: string | number, locale?: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'medium' });
}
