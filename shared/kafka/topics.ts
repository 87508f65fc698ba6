// The Kafka topic names, in one place.
/** The topic names, shared by the functions, the local tools and emulator, and infra/ (the DLQ destination). */
export const DEFAULT_ORDERS_TOPIC = 'orders';

/** The on-failure destination: the MSK event-source mapping's Kafka-topic DLQ in AWS, the emulator's locally. */
export const DEFAULT_DLQ_TOPIC = 'orders.dlq';
