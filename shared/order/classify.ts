/**
 * What a Kafka record holds, judged without any I/O: a valid order, or a rejection with every
 * reason. One classification for the consumer (functions/ingest) and the DLQ tool's diagnosis
 * (local/tools/dlq.ts, local/emulators/esm/dlq-record.ts). Never throws, whatever the input.
 *
 * A rejection names the order_uid only when it is well-formed (safe to log), and its violations
 * name paths and rules, never values: no personal data leaves through it.
 */
import { asOrderUid } from './order-uid.js';
import type { Order } from './schema.js';
import { type Violation, validateOrder } from './validate.js';

export type RejectionReason =
  /** No value, not base64, or not UTF-8. */
  | 'undecodable'
  | 'not_json'
  /** JSON that breaks the order contract. */
  | 'invalid_order'
  /** A valid order whose order_uid is already taken by different content (first write wins). */
  | 'conflict'
  /** A valid order PostgreSQL refused with a data error (SQLSTATE class 22 or 23). */
  | 'refused_by_database';

export interface Rejection {
  reason: RejectionReason;
  orderUid: string | undefined;
  violations: Violation[];
}

export type Classification = { ok: true; order: Order } | ({ ok: false } & Rejection);

const utf8 = new TextDecoder('utf-8', { fatal: true });

function readableOrderUid(parsed: unknown, key: string | undefined): string | undefined {
  const candidate = typeof parsed === 'object' && parsed !== null ? (parsed as { order_uid?: unknown }).order_uid : undefined;
  return asOrderUid(candidate) ?? asOrderUid(key);
}

/**
 * A rejection with one violation: the reason, the order_uid to name it by (a well-formed one, or
 * none), and what is wrong where (`path`: a JSONPath, the whole value by default).
 *
 * @example
 * ```ts
 * reject('undecodable', undefined, 'record has no value');
 * // { reason: 'undecodable', orderUid: undefined, violations: [{ path: '$', message: 'record has no value' }] }
 * ```
 */
export function reject(reason: RejectionReason, orderUid: string | undefined, message: string, path = '$'): Rejection {
  return { reason, orderUid, violations: [{ path, message }] };
}

/** What V8's JSON.parse says before " in JSON at position N": fixed wording, no input. */
export const JSON_SYNTAX_KINDS: ReadonlySet<string> = new Set([
  "Expected ':' after property name",
  "Expected property name or '}'",
  "Expected ',' or '}' after property value",
  "Expected ',' or ']' after array element",
  'Expected double-quoted property name',
  'Bad control character in string literal',
  'Bad escaped character',
  'Bad Unicode escape',
  'Unexpected non-whitespace character after JSON',
  'Unexpected number',
  'Unexpected string',
  'Unterminated string',
  'Exponent part is missing a number',
  'No number after minus sign',
  'Unterminated fractional number',
]);

/** The rest of the fixed wording of a not_json rejection (the tests of personal data allow exactly this text). */
export const JSON_ERROR_WORDING = {
  tooDeep: 'nested too deeply for the parser',
  truncated: 'the text ends before the value does',
  unexpected: 'unexpected character',
  other: 'syntax error',
} as const;

/**
 * Why JSON.parse refused `text`, as a kind and a position, never the message itself: V8 quotes
 * the input around an unexpected token (`Unexpected token 'Z', "Zelda Quix"... is not valid JSON`).
 */
function jsonErrorKind(error: unknown, text: string): string {
  // A RangeError: nesting too deep for the parser.
  if (!(error instanceof SyntaxError)) return JSON_ERROR_WORDING.tooDeep;
  if (error.message.startsWith('Unexpected end of JSON input')) return `${JSON_ERROR_WORDING.truncated} (at position ${text.length})`;
  const at = / in JSON at position (\d+)/.exec(error.message);
  if (!at) return JSON_ERROR_WORDING.unexpected;
  const kind = error.message.slice(0, at.index);
  return `${JSON_SYNTAX_KINDS.has(kind) ? kind.charAt(0).toLowerCase() + kind.slice(1) : JSON_ERROR_WORDING.other} at position ${at[1]}`;
}

/** The JSON value of a record's text, or why it is not JSON. */
export type ParsedText = { ok: true; parsed: unknown } | ({ ok: false } & Rejection);

/** Parses a record's text (the Kafka event decoder read base64 and UTF-8); a refusal never quotes the text. */
export function parseText(text: string, key?: string): ParsedText {
  try {
    return { ok: true, parsed: JSON.parse(text) };
  } catch (error) {
    return { ok: false, ...reject('not_json', asOrderUid(key), `not JSON: ${jsonErrorKind(error, text)}`) };
  }
}

/** Judges a parsed JSON value against the order contract. */
export function classifyParsed(parsed: unknown, key?: string): Classification {
  let result: ReturnType<typeof validateOrder>;
  try {
    result = validateOrder(parsed);
  } catch (error) {
    // The contract must judge any JSON value; should a rule ever throw, the record is rejected, not the batch.
    const message = `the order contract could not judge this value (${(error as Error).name})`;
    return { ok: false, ...reject('invalid_order', readableOrderUid(parsed, key), message) };
  }
  if (result.ok) return result;
  return { ok: false, reason: 'invalid_order', orderUid: readableOrderUid(parsed, key), violations: result.violations };
}

/**
 * A record whose value is already text (the Kafka event decoder read base64 and UTF-8): parsed,
 * then judged against the order contract. The key names a rejected record when its value has no
 * readable order_uid.
 *
 * @example
 * ```ts
 * const verdict = classifyText(record.value, record.key);
 * if (verdict.ok) await store(verdict.order);
 * else logger.warn('order rejected', { reason: verdict.reason, order_uid: verdict.orderUid });
 * ```
 */
export function classifyText(text: string, key?: string): Classification {
  const parsed = parseText(text, key);
  return parsed.ok ? classifyParsed(parsed.parsed, key) : parsed;
}

/**
 * A record as raw bytes (what a Kafka client reads, e.g. from the DLQ topic): UTF-8 decoded, then
 * as `classifyText`.
 *
 * @example
 * ```ts
 * const verdict = classifyBytes(message.value, message.key?.toString());
 * if (!verdict.ok) console.log(describeRejection(verdict)); // "not_json: $: not JSON: …"
 * ```
 */
export function classifyBytes(value: Uint8Array | null | undefined, key?: string): Classification {
  if (value === null || value === undefined) return { ok: false, ...reject('undecodable', asOrderUid(key), 'record has no value') };
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return { ok: false, ...reject('undecodable', asOrderUid(key), 'value is not valid UTF-8') };
  }
  return classifyText(text, key);
}

/** One line for humans and headers: `invalid_order: $.items[0].price: …; $.payment.amount: …`. */
export function describeRejection(rejection: Pick<Rejection, 'reason' | 'violations'>): string {
  return `${rejection.reason}: ${rejection.violations.map((violation) => `${violation.path}: ${violation.message}`).join('; ')}`;
}
