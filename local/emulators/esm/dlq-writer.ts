import type { Producer } from 'kafkajs';
import { partitionName } from '../../../shared/kafka/event.js';
import { diagnoseRecord, toDlqMessage } from './dlq-record.js';
import type { Log } from './options.js';
import type { DlqBatch } from './policy.js';

/**
 * The DLQ writer: the local on-failure destination, a Kafka topic that receives the failed records
 * themselves (docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html), written
 * with acks from all replicas before their offsets may be committed.
 */

export type WriteDlq = (batch: DlqBatch) => Promise<void>;

/** Why a record goes to the DLQ: the policy's reason, else the consumer's own diagnosis. */
export function dlqReason(batch: Pick<DlqBatch, 'reason'>, record: Parameters<typeof diagnoseRecord>[0]): string {
  return batch.reason ?? diagnoseRecord(record) ?? 'reported as a batch item failure by the function';
}

export function createDlqWriter(producer: Pick<Producer, 'send'>, dlqTopic: string, log: Log): WriteDlq {
  return async (batch) => {
    if (batch.records.length === 0) return;
    const messages = batch.records.map((record) =>
      toDlqMessage(record, { condition: batch.condition, reason: dlqReason(batch, record), attempts: batch.attempts }),
    );
    await producer.send({ topic: dlqTopic, acks: -1, messages });
    log('warn', 'records sent to the DLQ', {
      dlqTopic,
      condition: batch.condition,
      records: batch.records.map((record) => `${partitionName(record)}@${record.offset}`).join(','),
    });
  };
}
