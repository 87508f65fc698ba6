/**
 * The order contract as JSON Schema (draft 2020-12), generated from the zod schema
 * (shared/order/schema.ts) with zod 4's `z.toJSONSchema`, for producers in other languages.
 * Written to schemas/order.schema.json by `npm run openapi`; a test fails when that file is stale,
 * and a property test shows that zod and this schema agree except on the rules named below.
 */
import * as z from 'zod';
import { orderSchema } from './schema.js';

/** A tag URI (RFC 4151) under the reserved `.example` domain: an identifier, not a location. */
export const ORDER_SCHEMA_ID = 'tag:order-pipeline.example,2026:schema:order';

/** What JSON Schema cannot say; `description` names each, and the property test excludes exactly these. */
export const RULES_BEYOND_JSON_SCHEMA = [
  'payment.goods_total must equal the sum of items[].total_price',
  'payment.amount must equal payment.goods_total + payment.delivery_cost + payment.custom_fee',
  'text fields must be well-formed Unicode (no lone UTF-16 surrogate) without NUL characters',
  'date_created must have a year from 0001 and a UTC offset within ±15:59 (what PostgreSQL timestamptz stores)',
  'maxLength counts UTF-16 code units (JavaScript string length), not code points: they differ for characters outside the BMP',
] as const;

const DESCRIPTION = [
  'An order of the order pipeline (the Kafka record value of topic "orders", and the body of POST /orders).',
  'Money is in minor units. Rules this schema cannot express, which the pipeline also enforces:',
  ...RULES_BEYOND_JSON_SCHEMA.map((rule) => `- ${rule}.`),
].join('\n');

/**
 * The document, deterministic (the same text for the same contract).
 *
 * @example
 * ```ts
 * import { Ajv2020 } from 'ajv/dist/2020.js';
 * import addFormats from 'ajv-formats';
 * const ajv = new Ajv2020();
 * addFormats.default(ajv);
 * const isOrder = ajv.compile(orderJsonSchema()); // accepts what zod accepts, but for RULES_BEYOND_JSON_SCHEMA
 * ```
 */
export function orderJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(orderSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, $id: ORDER_SCHEMA_ID, title: 'Order', description: DESCRIPTION, ...rest };
}
