import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';

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

/** A Lambda context (test/fixtures/events/lambda-context.json): the handlers only log from it. */
export function lambdaContext(): Context {
  return {
    ...readFixture<Omit<Context, 'getRemainingTimeInMillis' | 'done' | 'fail' | 'succeed'>>('events/lambda-context.json'),
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** Deep copy for mutating a fixture in one test. */
export const clone = <T>(value: T): T => structuredClone(value);
