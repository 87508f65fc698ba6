import { type HttpResponse, json } from '../../shared/http/http.js';
import { createKafka, type KafkaLogSink, kafkaClientOptions, kafkaConfigFromEnv } from '../../shared/kafka/client.js';
import {
  BrokerUnavailableError,
  createLazyProducer,
  FAST_FAIL_CLIENT_SETTINGS,
  type RecordProducer,
  type SentRecord,
} from '../../shared/kafka/producer.js';
import type { Violation } from '../../shared/order/validate.js';
import { validateOrder } from '../../shared/order/validate.js';

/**
 * POST /orders: an order that passes the consumer's contract is put on the orders topic, keyed by
 * order_uid (one order, one partition), and acknowledged with 202. Nothing is written anywhere else:
 * the consumer stores it like every other order, once, however often it is submitted.
 */

/** Bodies above this are refused with 413 before they are parsed. */
export const MAX_ORDER_BYTES = 256 * 1024;

/** Retry-After (seconds) sent with a 503: the producer reconnects on the next request. */
export const RETRY_AFTER_SECONDS = 1;

export type SubmitErrorCode =
  | 'invalid_order'
  | 'invalid_json'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'service_unavailable'
  | 'internal_error';

/** Same shape as the read API's errors (`shared/http/http.ts`), plus `violations` for an invalid order. */
export function submitError(
  statusCode: number,
  error: SubmitErrorCode,
  message: string,
  extra: { violations?: Violation[]; headers?: Record<string, string> } = {},
): HttpResponse {
  const body = extra.violations ? { error, message, violations: extra.violations } : { error, message };
  return json(statusCode, body, extra.headers);
}

export type SubmitOutcome =
  | { kind: 'accepted'; orderUid: string; record: SentRecord; response: HttpResponse }
  | { kind: 'invalid'; violations: Violation[]; response: HttpResponse }
  | { kind: 'unavailable'; error: BrokerUnavailableError; response: HttpResponse };

/** `body` is the parsed JSON body. Broker failures become a 503; anything else is a bug and is thrown. */
export async function submitOrder(body: unknown, producer: RecordProducer): Promise<SubmitOutcome> {
  const result = validateOrder(body);
  if (!result.ok) {
    const message = `the order breaks ${result.violations.length} rule(s) of the order contract`;
    return {
      kind: 'invalid',
      violations: result.violations,
      response: submitError(400, 'invalid_order', message, { violations: result.violations }),
    };
  }
  const orderUid = result.order.order_uid;
  try {
    const record = await producer.send({ key: orderUid, value: JSON.stringify(result.order) });
    const response = json(202, { order_uid: orderUid, status: 'accepted' }, { location: `/orders/${orderUid}` });
    return { kind: 'accepted', orderUid, record, response };
  } catch (error) {
    if (!(error instanceof BrokerUnavailableError)) throw error;
    const response = submitError(503, 'service_unavailable', 'the order could not be queued; nothing was accepted, retry later', {
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
    });
    return { kind: 'unavailable', error, response };
  }
}

/**
 * The container's producer for the orders topic, configured from the environment (see
 * `kafkaConfigFromEnv`) on first use; kafkajs' log lines go to `logger`.
 */
export function orderProducerFromEnv(logger: KafkaLogSink, env: Record<string, string | undefined> = process.env): RecordProducer {
  let producer: RecordProducer | undefined;
  const current = (): RecordProducer => {
    if (producer) return producer;
    const config = kafkaConfigFromEnv(env);
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
