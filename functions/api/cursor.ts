/**
 * The opaque cursor of GET /orders: base64url of `{"v":1,"after":"<id>"}`, where id is the
 * internal id of the last order of the previous page (shared/db/order-sql.ts SELECT_ORDERS_AFTER).
 * Clients must treat it as opaque; anything that does not decode to this exact shape is rejected.
 */
import { PipelineError } from '../../shared/errors.js';

const CURSOR_VERSION = 1;
const ID_PATTERN = /^[1-9][0-9]{0,18}$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]{1,200}$/;

export class InvalidCursorError extends PipelineError {
  override readonly name = 'InvalidCursorError';
  constructor(message: string) {
    super('data', message);
  }
}

export function encodeCursor(afterId: string): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, after: afterId })).toString('base64url');
}

/** The internal id the cursor points after; throws InvalidCursorError for anything else. */
export function decodeCursor(cursor: string): string {
  if (!BASE64URL_PATTERN.test(cursor)) throw new InvalidCursorError('cursor is not base64url');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('cursor does not decode');
  }
  const { v, after } = (decoded ?? {}) as { v?: unknown; after?: unknown };
  if (v !== CURSOR_VERSION || typeof after !== 'string' || !ID_PATTERN.test(after) || BigInt(after) > 2n ** 63n - 1n) {
    throw new InvalidCursorError('cursor has an unknown shape');
  }
  return after;
}
