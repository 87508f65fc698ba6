import { describe, expect, it } from 'vitest';
import { kafkaBatchResponse } from '../../shared/kafka/batch-response.js';

describe('Kafka batch response', () => {
  it('names each failed record by "<topic>-<partition>" and offset, sorted', () => {
    expect(
      kafkaBatchResponse([
        { topic: 'orders', partition: 1, offset: 9 },
        { topic: 'orders', partition: 0, offset: 12 },
        { topic: 'orders', partition: 0, offset: 3 },
      ]),
    ).toEqual({
      batchItemFailures: [
        { itemIdentifier: { partition: 'orders-0', offset: 3 } },
        { itemIdentifier: { partition: 'orders-0', offset: 12 } },
        { itemIdentifier: { partition: 'orders-1', offset: 9 } },
      ],
    });
  });

  it('is an empty list when nothing failed (the whole batch succeeded)', () => {
    expect(kafkaBatchResponse([])).toEqual({ batchItemFailures: [] });
  });

  it('keeps dashes of topic names', () => {
    expect(kafkaBatchResponse([{ topic: 'orders-v2', partition: 4, offset: 1 }]).batchItemFailures[0]?.itemIdentifier.partition).toBe(
      'orders-v2-4',
    );
  });
});
