import { buildKafkaEvent, type KafkaEventOptions, type KafkaMessageInput } from '../../local/emulators/kafka-event.js';
import type { KafkaEvent } from '../../shared/kafka/event.js';

/**
 * Lambda events for Kafka event sources, for tests and benchmarks: the builder of the local
 * event-source mapping itself (local/emulators/kafka-event.ts), whose output
 * test/unit/kafka-event.test.ts holds against the AWS example events in test/fixtures/events.
 */
export { buildKafkaEvent, type KafkaMessageInput } from '../../local/emulators/kafka-event.js';

interface OrderPlacement {
  topic?: string;
  /** Orders go round-robin over this many partitions (0 … n-1). */
  partitions?: number;
  /** Offset of the first order; each next one takes the next offset. */
  firstOffset?: number;
}

/** Orders as the producers send them: value = the JSON, key = order_uid. */
function orderMessages(
  orders: readonly object[],
  { topic = 'orders', partitions = 1, firstOffset = 0 }: OrderPlacement = {},
): KafkaMessageInput[] {
  return orders.map((order, index) => ({
    topic,
    partition: index % partitions,
    offset: firstOffset + index,
    key: String((order as { order_uid?: unknown }).order_uid),
    value: JSON.stringify(order),
  }));
}

/** One event carrying `orders` (see orderMessages). */
export function ordersEvent(orders: readonly object[], placement: OrderPlacement = {}, options: KafkaEventOptions = {}): KafkaEvent {
  return buildKafkaEvent(orderMessages(orders, placement), options);
}
