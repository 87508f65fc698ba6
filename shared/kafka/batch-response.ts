/**
 * The partial batch response for Kafka event sources: the one place that knows its shape.
 *
 * With `FunctionResponseTypes: ["ReportBatchItemFailures"]` on the event-source mapping
 * (provisioned mode only), a Kafka item identifier is an object, not a string:
 *   { "batchItemFailures": [ { "itemIdentifier": { "partition": "<topic>-<partition>", "offset": <n> } } ] }
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html (partial
 * batch response), and AWS's own Powertools for AWS Lambda (Python) batch utility, whose
 * `KafkaItemIdentifier` is `{ partition: str, offset: int }` (aws-powertools/powertools-lambda-python#7941).
 * As for Kinesis, Lambda treats the lowest failed offset of each partition as the checkpoint and
 * retries from there, so everything after it may be delivered again: the consumer is idempotent.
 * An empty `batchItemFailures` means the whole batch succeeded.
 */
import { partitionName, type RecordPosition } from './event.js';

interface KafkaItemIdentifier {
  partition: string;
  offset: number;
}

export interface KafkaBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: KafkaItemIdentifier }>;
}

/**
 * Failed records, sorted by partition then offset, in the shape Lambda reads
 * (ReportBatchItemFailures): the mapping retries each partition from its lowest failed offset.
 *
 * @example
 * ```ts
 * return kafkaBatchResponse([{ topic: 'orders', partition: 0, offset: 42 }]);
 * // { batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: 42 } }] }
 * ```
 */
export function kafkaBatchResponse(failed: readonly RecordPosition[]): KafkaBatchResponse {
  const identifiers = failed
    .map((position) => ({ partition: partitionName(position), offset: position.offset }))
    .sort((a, b) => (a.partition === b.partition ? a.offset - b.offset : a.partition < b.partition ? -1 : 1));
  return { batchItemFailures: identifiers.map((itemIdentifier) => ({ itemIdentifier })) };
}
