/**
 * The order_uid rule, for the contract (schema.ts), the API path parameter and log lines.
 * Kept free of zod so that a function that only checks ids does not bundle the schema library.
 */
export const ORDER_UID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
