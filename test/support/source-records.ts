// A record as the mapping emulator reads it from Kafka (local/emulators/esm/batch.ts), for the emulator's unit tests.
import type { SourceRecord } from '../../local/emulators/esm/batch.js';

export const sourceRecord = (partition: number, offset: number, topic = 'orders'): SourceRecord => ({
  topic,
  partition,
  offset,
  timestamp: 0,
  key: null,
  value: Buffer.from('{}'),
  headers: {},
});
