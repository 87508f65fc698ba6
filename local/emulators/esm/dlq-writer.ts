/**
 * The DLQ writer: the local on-failure destination, a Kafka topic that receives the failed records
 * in the envelope Lambda writes (dlq-record.ts), with acks from all replicas before their offsets
 * may be committed.
 */
import type { Producer } from 'kafkajs';
import { partitionName } from '../../../shared/kafka/event.js';
import { type DlqSource, toDlqMessage } from './dlq-record.js';
import type { Log } from './options.js';
import type { DlqBatch } from './policy.js';

export type WriteDlq = (batch: DlqBatch) => Promise<void>;

export function createDlqWriter(producer: Pick<Producer, 'send'>, dlqTopic: string, source: DlqSource, log: Log): WriteDlq {
  return async (batch) => {
    if (batch.records.length === 0) return;
    const failure = {
      condition: batch.condition,
      attempts: batch.attempts,
      functionError: batch.condition === 'RetriesExhausted' && batch.reason !== undefined,
    };
    const messages = batch.records.map((record) => toDlqMessage(record, failure, source, batch.records.length));
    await producer.send({ topic: dlqTopic, acks: -1, messages });
    log('warn', 'records sent to the DLQ', {
      dlqTopic,
      condition: batch.condition,
      records: batch.records.map((record) => `${partitionName(record)}@${record.offset}`).join(','),
    });
  };
}
