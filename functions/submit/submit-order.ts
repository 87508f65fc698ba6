/**
 * POST /orders: an order that passes the consumer's contract is put on the orders topic, keyed by
 * order_uid (one order, one partition), and acknowledged with 202. Nothing is written anywhere else:
 * the consumer stores it like every other order, once, however often it is submitted.
 */
import { apiError } from '../../shared/http/errors.js';
import { createKafka, type KafkaEnvConfig, type KafkaLogSink, kafkaClientOptions } from '../../shared/kafka/client.js';
import {
  BrokerUnavailableError,
  createLazyProducer,
  FAST_FAIL_CLIENT_SETTINGS,
  type RecordProducer,
  type SentRecord,
} from '../../shared/kafka/producer.js';
import { validateOrder } from '../../shared/order/validate.js';

/** Bodies above this are refused with 413 before they are parsed. */
export const MAX_ORDER_BYTES = 256 * 1024;

/** Retry-After (seconds) sent with a 503: the producer reconnects on the next request. */
const RETRY_AFTER_SECONDS = 1;

export interface Accepted {
  orderUid: string;
  record: SentRecord;
}

/**
 * `body` is the parsed JSON body. An order that breaks the contract → ApiError 400 with every
 * violation; broker failures → ApiError 503 with retry-after (nothing was accepted); anything
 * else is a bug and is thrown as it is.
 */
export async function submitOrder(body: unknown, producer: RecordProducer): Promise<Accepted> {
  const result = validateOrder(body);
  if (!result.ok) {
    const message = `the order breaks ${result.violations.length} rule(s) of the order contract`;
    throw apiError(400, 'invalid_order', message, { violations: result.violations });
  }
  const orderUid = result.order.order_uid;
  try {
    return { orderUid, record: await producer.send({ key: orderUid, value: JSON.stringify(result.order) }) };
  } catch (error) {
    if (!(error instanceof BrokerUnavailableError)) throw error;
    throw apiError(503, 'service_unavailable', 'the order could not be queued; nothing was accepted, retry later', {
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
      cause: error,
    });
  }
}

/**
 * A producer for the orders topic, configured by `readConfig` on its first send (a bad setting is
 * a ConfigError there: a 500, not a broker outage); kafkajs' log lines go to `logger`.
 */
export function orderProducer(readConfig: () => KafkaEnvConfig, logger: KafkaLogSink): RecordProducer {
  let producer: RecordProducer | undefined;
  const current = (): RecordProducer => {
    if (producer) return producer;
    const config = readConfig();
    producer = createLazyProducer(config.topic, () =>
      createKafka({ ...kafkaClientOptions(config), ...FAST_FAIL_CLIENT_SETTINGS, clientId: 'order-submit', logger }),
    );
    return producer;
  };
  return {
    send: async (record) => current().send(record),
    disconnect: async () => producer?.disconnect(),
  };
}
