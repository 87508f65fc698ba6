import { describe, expect, it } from 'vitest';
import { BrokerUnavailableError, type KeyedRecord, type RecordProducer } from '../../shared/kafka/producer.js';
import { orderProducer, submitOrder } from '../../functions/submit/submit-order.js';
import { kafkaConfigFromEnv } from '../../shared/kafka/client.js';
import type { ApiError } from '../../shared/http/errors.js';
import { clone, readFixture } from '../support/fixtures.js';

/**
 * The broker is replaced by a recorder here, to see exactly what would be sent; the real broker is
 * exercised in test/e2e/submit-handler.test.ts.
 */
function recordingProducer(failWith?: Error): RecordProducer & { sent: KeyedRecord[] } {
  const sent: KeyedRecord[] = [];
  return {
    sent,
    async send(record) {
      if (failWith) throw failWith;
      sent.push(record);
      return { topic: 'orders', partition: 0, offset: String(sent.length - 1) };
    },
    async disconnect() {},
  };
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as ApiError,
  );

const order = () => clone(readFixture<Record<string, unknown>>('orders/seed-wildberries-b563feb7b2b84b6test.json'));

describe('submitOrder', () => {
  it('sends one record keyed by order_uid whose value is the order, and says where it went', async () => {
    const producer = recordingProducer();
    const submitted = order();
    const accepted = await submitOrder(submitted, producer);
    expect(accepted).toEqual({ orderUid: submitted.order_uid, record: { topic: 'orders', partition: 0, offset: '0' } });
    expect(producer.sent).toHaveLength(1);
    expect(producer.sent[0]!.key).toBe(submitted.order_uid);
    expect(JSON.parse(producer.sent[0]!.value)).toEqual(submitted);
  });

  it('throws a 400 error with every violation and sends nothing for an invalid order', async () => {
    const producer = recordingProducer();
    const invalid = order() as { payment: { currency: string }; items: Array<{ price: number }>; extra?: boolean };
    invalid.payment.currency = 'usd';
    invalid.items[0]!.price = -1;
    invalid.extra = true;
    const body = (await rejection(submitOrder(invalid, producer)))!;
    expect(body.statusCode).toBe(400);
    expect(body.code).toBe('invalid_order');
    expect(body.violations!.map((violation) => violation.path).sort()).toEqual(['$', '$.items[0].price', '$.payment.currency']);
    expect(body.violations!.every((violation) => violation.message.length > 0)).toBe(true);
    expect(producer.sent).toEqual([]);
  });

  it.each([null, 42, 'an order', [], {}])('throws a 400 error for the JSON value %j', async (value) => {
    expect(await rejection(submitOrder(value, recordingProducer()))).toMatchObject({ statusCode: 400, code: 'invalid_order' });
  });

  it('throws a 503 error with retry-after when the broker does not take the record', async () => {
    const unavailable = new BrokerUnavailableError('Connection error');
    const error = await rejection(submitOrder(order(), recordingProducer(unavailable)));
    expect(error).toMatchObject({ statusCode: 503, code: 'service_unavailable', headers: { 'retry-after': '1' } });
    expect(error!.cause).toBe(unavailable);
  });

  it('lets a bug (anything but a broker failure) through to the error middleware', async () => {
    await expect(submitOrder(order(), recordingProducer(new TypeError('bug')))).rejects.toThrow('bug');
  });
});

describe('orderProducer', () => {
  it('reports a missing broker setting as a configuration error (a 500), not as a broker outage', async () => {
    const silent = { error() {}, warn() {}, info() {}, debug() {} };
    const failure = await orderProducer(() => kafkaConfigFromEnv({}), silent)
      .send({ key: 'k', value: 'v' })
      .catch((error: unknown) => error);
    expect(failure).not.toBeInstanceOf(BrokerUnavailableError);
    expect((failure as Error).message).toMatch(/KAFKA_BROKERS: is not set/);
  });
});
