import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it, vi } from 'vitest';
import { createIngestHandler } from '../../functions/ingest/ingest-handler.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import type { OrderStore } from '../../shared/db/orders.js';
import { METRIC } from '../../shared/metrics.js';
import { lambdaContext } from '../support/lambda.js';
import { buildKafkaEvent, ordersEvent } from '../support/kafka-events.js';
import { memoryOrderStore } from '../support/order-store.js';

// The store is a stand-in (the SQL runs in test/integration): what is tested is the handler's
// promise that no record is acknowledged without a result from the store.
const config = { outageBudgetMs: 1_000, memoMaxEntries: 100 };

function instance(store: OrderStore) {
  const metrics = new Metrics({ namespace: 'test', serviceName: 'ingest' });
  const addMetric = vi.spyOn(metrics, 'addMetric');
  vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  const logger = new Logger({ serviceName: 'ingest', logLevel: 'SILENT' });
  return { handler: createIngestHandler(config, { store, observability: { logger, metrics } }), addMetric };
}

const answering = (drop = 0): OrderStore => memoryOrderStore({ answered: (orders) => orders.slice(drop) }).store;

describe('createIngestHandler', () => {
  it('acknowledges the records the store answered for and reports the rest', async () => {
    const orders = fakeOrders(5, 31);
    const messages = orders.map((order, offset) => ({ topic: 'orders', partition: 0, offset, value: JSON.stringify(order) }));
    const event = buildKafkaEvent([...messages, { topic: 'orders', partition: 0, offset: 9, value: 'x' }]);
    const { handler } = instance(answering());
    const response = await handler(event, lambdaContext());
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: 9 } }] });
  });

  it('fails the invocation, counted as a defect, when the store drops a record, rather than acknowledge it unstored', async () => {
    const { handler, addMetric } = instance(answering(1));
    await expect(handler(ordersEvent(fakeOrders(3, 32)), lambdaContext())).rejects.toMatchObject({ name: 'IngestDefect' });
    expect(addMetric).toHaveBeenCalledWith(METRIC.IngestDefects, 'Count', 1);
  });

  it('fails at once on a programming error of the store, counted as a defect', async () => {
    const storeOrders = vi.fn(async () => Promise.reject(new TypeError('x is undefined')));
    const { handler, addMetric } = instance({ ...answering(), storeOrders });
    await expect(handler(ordersEvent(fakeOrders(2, 33)), lambdaContext())).rejects.toThrow(TypeError);
    expect(storeOrders).toHaveBeenCalledTimes(1);
    expect(addMetric).toHaveBeenCalledWith(METRIC.IngestDefects, 'Count', 1);
  });

  it('remembers per instance: a second instance judges a re-delivery afresh', async () => {
    const store = answering();
    const storeOrders = vi.spyOn(store, 'storeOrders');
    const event = ordersEvent(fakeOrders(2, 34));
    const first = instance(store).handler;
    await first(event, lambdaContext());
    await first(event, lambdaContext());
    expect(storeOrders).toHaveBeenCalledTimes(1);
    await instance(store).handler(event, lambdaContext());
    expect(storeOrders).toHaveBeenCalledTimes(2);
  });
});
