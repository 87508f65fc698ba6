/**
 * The opaque cursor of GET /orders: the internal id of the last order of the previous page
 * (shared/db/order-sql.ts SELECT_ORDERS_AFTER) in base 36, lower case. Clients pass next_cursor
 * back unchanged; the published schema of the parameter is CURSOR_PATTERN, and every string it
 * matches is a cursor the server reads (an id that names no order gives an empty page), so the
 * schema says exactly what the server accepts. An empty cursor is the first page, as no cursor.
 */

import { PipelineError } from '../errors.js';

/** At most 12 base-36 digits: 36^12 - 1 is below 2^63 - 1, so every match is a bigint id. */
export const CURSOR_PATTERN = /^[0-9a-z]{0,12}$/;
const RADIX = 36n;

/** A cursor that is not one this API issues (decodeCursor); the read API answers 400. */
export class InvalidCursorError extends PipelineError {
  override readonly name = 'InvalidCursorError';
  constructor(message: string) {
    super('data', message);
  }
}

/**
 * The cursor after the order with internal id `afterId` (a decimal bigint).
 *
 * @example
 * ```ts
 * encodeCursor('1296'); // '100'
 * decodeCursor('100'); // '1296'
 * ```
 */
export function encodeCursor(afterId: string): string {
  const cursor = BigInt(afterId).toString(36);
  if (!CURSOR_PATTERN.test(cursor)) throw new RangeError(`order id ${afterId} is beyond what a cursor holds`);
  return cursor;
}

/** The internal id (decimal) the cursor points after, undefined for the first page; InvalidCursorError for anything else. */
export function decodeCursor(cursor: string): string | undefined {
  if (!CURSOR_PATTERN.test(cursor)) throw new InvalidCursorError('cursor is not 0-12 lower-case base-36 digits');
  if (cursor === '') return undefined;
  let id = 0n;
  for (const digit of cursor) id = id * RADIX + BigInt(Number.parseInt(digit, 36));
  return id.toString();
}
