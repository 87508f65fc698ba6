import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

export function readFixture<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, relativePath), 'utf8')) as T;
}

/** Every seed sample order (../shared/seeds), as files under test/fixtures/orders. */
export function seedOrders(): Array<{ file: string; order: Record<string, unknown> }> {
  return readdirSync(join(FIXTURES, 'orders'))
    .filter((file) => file.startsWith('seed-'))
    .map((file) => ({ file, order: readFixture<Record<string, unknown>>(join('orders', file)) }));
}

/** Deep copy for mutating a fixture in one test. */
export const clone = <T>(value: T): T => structuredClone(value);
