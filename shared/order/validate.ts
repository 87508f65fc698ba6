/**
 * The order contract (schema.ts) applied to a parsed JSON value: a valid order, or every
 * violation as a JSONPath and a rule. A message names the rule, never the value that broke it.
 */
import type * as z from 'zod';
import { type Order, orderSchema } from './schema.js';

/** One broken rule: where (a JSONPath such as `$.items[0].price`) and what. */
export interface Violation {
  path: string;
  message: string;
}

export type ValidationResult = { ok: true; order: Order } | { ok: false; violations: Violation[] };

function toJsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`), '$');
}

function toViolations(error: z.ZodError): Violation[] {
  return error.issues.map((issue) => {
    // Strict objects report unknown fields on the parent. Their names are the sender's text (a
    // name or an e-mail address as a key would reach the logs), so only their number is given.
    if (issue.code === 'unrecognized_keys') {
      return { path: toJsonPath(issue.path), message: `${issue.keys.length} unknown field(s) (names not shown)` };
    }
    return { path: toJsonPath(issue.path), message: issue.message };
  });
}

/**
 * Validates an already-parsed JSON value against the order contract, reporting every violation.
 *
 * @example
 * ```ts
 * const result = validateOrder(JSON.parse(body));
 * if (!result.ok) throw apiError(400, 'invalid_order', 'the order breaks the contract', { violations: result.violations });
 * // result.order is an Order
 * ```
 */
export function validateOrder(input: unknown): ValidationResult {
  const result = orderSchema.safeParse(input);
  return result.success ? { ok: true, order: result.data } : { ok: false, violations: toViolations(result.error) };
}
