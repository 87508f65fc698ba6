/**
 * One kafkajs producer per container: created on first use, reused while it works, dropped after
 * a failure so that the next request connects afresh. Each `send` writes exactly one record, so a
 * request either lands whole or not at all ("nothing half-sent").
 */
import { type Kafka, Partitioners, type Producer } from 'kafkajs';
import { toPipelineError } from '../error-mapping.js';
import { PipelineError } from '../errors.js';

/** The broker could not take the record (unreachable, timed out, refused): answer 503, client retries. */
export class BrokerUnavailableError extends PipelineError {
  override readonly name = 'BrokerUnavailableError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('unavailable', message, options);
  }
}

export interface KeyedRecord {
  key: string;
  value: string;
}

export interface SentRecord {
  topic: string;
  partition: number;
  /** Offset of the record in its partition (kafkajs reports it as a string). */
  offset: string | undefined;
}

export interface RecordProducer {
  send(record: KeyedRecord): Promise<SentRecord>;
  disconnect(): Promise<void>;
}

/**
 * Budgets that make an unreachable broker a fast 503 instead of a Lambda timeout: kafkajs' idempotent
 * producer otherwise retries forever (retries default to MAX_SAFE_INTEGER). Pass them to `createKafka`.
 */
export const FAST_FAIL_CLIENT_SETTINGS = {
  connectionTimeout: 3_000,
  requestTimeout: 5_000,
  retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
} as const;

/** How long the broker may wait for all in-sync replicas before answering a produce request. */
const ACK_TIMEOUT_MS = 5_000;

/**
 * Whatever kafkajs is still trying (a silent network drops packets rather than refusing them), a
 * send gives up after this and the caller answers 503 well inside the submit function's 10 s
 * timeout (infra/constructs/http-api.ts). A record whose request was already on the wire may
 * still be appended: 503 means "not confirmed", and a retry is harmless because the consumer
 * stores an order_uid once.
 */
const SEND_DEADLINE_MS = 6_000;

/**
 * An idempotent producer for `topic` that connects on its first send (not at init, so a cold start
 * does not wait for the broker) and gives up after `deadlineMs` with BrokerUnavailableError.
 *
 * @example
 * ```ts
 * const producer = createLazyProducer('orders', () => createKafka({ ...kafkaClientOptions(config), clientId: 'submit', ...FAST_FAIL_CLIENT_SETTINGS }));
 * await producer.send({ key: order.order_uid, value: JSON.stringify(order) });
 * ```
 */
export function createLazyProducer(topic: string, createClient: () => Kafka, deadlineMs = SEND_DEADLINE_MS): RecordProducer {
  let connecting: Promise<Producer> | undefined;

  const connected = (): Promise<Producer> => {
    connecting ??= (async () => {
      // KIP-98 idempotence: acks=all and one request in flight per connection keep retries free of
      // duplicates and reordering. Limiting retries makes kafkajs warn once per producer; it is
      // deliberate (see FAST_FAIL_CLIENT_SETTINGS) and the consumer stores an order_uid once anyway.
      const producer = createClient().producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // murmur2 on the key, as the Java client: one order_uid, one partition, whoever produced it.
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: FAST_FAIL_CLIENT_SETTINGS.retry,
      });
      await producer.connect();
      return producer;
    })();
    return connecting;
  };

  const reset = async (): Promise<void> => {
    const stale = connecting;
    connecting = undefined;
    const producer = await stale?.catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  };

  return {
    async send({ key, value }) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const sending = (async () => {
          const producer = await connected();
          // acks: -1 = all in-sync replicas; kafkajs requires it for an idempotent producer.
          return producer.send({ topic, acks: -1, timeout: ACK_TIMEOUT_MS, messages: [{ key, value }] });
        })();
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new PipelineError('unavailable', `no acknowledgement within ${deadlineMs} ms`)), deadlineMs);
        });
        sending.catch(() => undefined); // it may settle after the deadline has answered
        const [metadata] = await Promise.race([sending, deadline]);
        return { topic, partition: metadata?.partition ?? -1, offset: metadata?.baseOffset ?? metadata?.offset };
      } catch (error) {
        // Not awaited: a connect still hanging must not hold up the 503.
        void reset();
        // kafkajs' error enters here: a retry can help (unreachable, timed out) or not (refused login: a defect, 500).
        const mapped = toPipelineError(error);
        if (!mapped.retryable) throw mapped;
        throw new BrokerUnavailableError(`could not write to topic "${topic}": ${(error as Error).message}`, { cause: error });
      } finally {
        clearTimeout(timer);
      }
    },
    disconnect: reset,
  };
}
