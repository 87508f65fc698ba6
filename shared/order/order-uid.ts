/**
 * The order_uid rule, for the contract (schema.ts), the API path parameter and log lines.
 * Kept free of zod so that a function that only checks ids does not bundle the schema library.
 */
export const ORDER_UID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * `value` when it is a well-formed order_uid (safe to log), else undefined.
 *
 * @example
 * ```ts
 * asOrderUid('b563feb7b2b84b6test'); // 'b563feb7b2b84b6test'
 * asOrderUid('alice@example.com'); // undefined: not an id, and not for the logs
 * ```
 */
export function asOrderUid(value: unknown): string | undefined {
  return typeof value === 'string' && ORDER_UID_PATTERN.test(value) ? value : undefined;
}
