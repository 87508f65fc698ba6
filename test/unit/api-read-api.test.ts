/**
 * The read API's one repeat of a read (functions/api/read-api.ts) and its 503, with the errors pg
 * really raises (pg.DatabaseError with the server's SQLSTATE, pg's own "Connection terminated").
 * The reader stands in for the database so that each failure comes exactly when the test says;
 * test/integration/api-rotation.test.ts shows the same against a real password rotation.
 */
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { createReadApi } from '../../functions/api/read-api.js';
import type { OrderReader } from '../../shared/db/orders.js';
import type { ApiError } from '../../shared/http/errors.js';

const serverError = (code: string) => Object.assign(new pg.DatabaseError('from the server', 0, 'error'), { code });
const STORED = { json: '{"order_uid":"a1"}', fingerprint: 'f1' };

/** A read API over a reader whose findStoredOrder fails with `failures` in turn, then finds the order. */
function apiFailing(...failures: unknown[]) {
  const findStoredOrder = vi.fn(async () => {
    const failure = failures.shift();
    if (failure !== undefined) throw failure;
    return STORED;
  });
  const listOrderSummaries = vi.fn(async () => {
    const failure = failures.shift();
    if (failure !== undefined) throw failure;
    return [];
  });
  const reader: OrderReader = { findStoredOrder, listOrderSummaries, isReachable: async () => true };
  return { api: createReadApi({ maxEntries: 10, maxBytes: 10_000, ttlSeconds: 60 }, reader), findStoredOrder, listOrderSummaries };
}

const rejection = (read: Promise<unknown>) =>
  read.then(
    () => expect.unreachable('the read should fail'),
    (error: unknown) => error as ApiError,
  );

describe('the read API repeats a read once', () => {
  it.each([
    ['its session terminated by the server (57P01 admin_shutdown)', serverError('57P01')],
    ['the connection ended under it', new Error('Connection terminated unexpectedly')],
    ['its login refused (28P01, the pool has re-read the secret)', serverError('28P01')],
  ])('after %s, and answers', async (_, error) => {
    const { api, findStoredOrder } = apiFailing(error);
    expect(await api.getOrder('a1')).toMatchObject({ json: STORED.json });
    expect(findStoredOrder).toHaveBeenCalledTimes(2);
  });

  it('lists orders the same way', async () => {
    const { api, listOrderSummaries } = apiFailing(serverError('57P01'));
    expect(await api.listOrders({})).toEqual({ orders: [], next_cursor: null });
    expect(listOrderSummaries).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['a server that refuses connections', Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a statement timeout (57014)', serverError('57014')],
    ['too many connections (53300)', serverError('53300')],
  ])('not after %s: 503 with Retry-After at once', async (_, error) => {
    const { api, findStoredOrder } = apiFailing(error);
    const failure = await rejection(api.getOrder('a1'));
    expect(failure).toMatchObject({ statusCode: 503, code: 'service_unavailable', headers: { 'retry-after': '5' } });
    expect(findStoredOrder).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['terminated twice', serverError('57P01'), serverError('57P01')],
    ['a login refused twice (the secret not yet updated, mid-rotation)', serverError('28P01'), serverError('28P01')],
  ])('answers 503 with Retry-After when the repeat fails too: %s', async (_, first, second) => {
    const { api, findStoredOrder } = apiFailing(first, second);
    expect(await rejection(api.getOrder('a1'))).toMatchObject({ statusCode: 503, headers: { 'retry-after': '5' } });
    expect(findStoredOrder).toHaveBeenCalledTimes(2);
  });

  it('passes a bug through without repeating it (500)', async () => {
    const bug = serverError('42P01');
    const { api, findStoredOrder } = apiFailing(bug);
    expect(await rejection(api.getOrder('a1'))).toBe(bug);
    expect(findStoredOrder).toHaveBeenCalledTimes(1);
  });
});
