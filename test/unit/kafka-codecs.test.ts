import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { COMPRESSIONS, registerKafkaCodecs } from '../../local/services/kafka/codecs.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;

describe('Kafka codecs for the local clients', () => {
  it('register a codec for every compressed type, each of which reads back what it writes', async () => {
    registerKafkaCodecs();
    const bytes = Buffer.from(JSON.stringify({ order_uid: 'b563feb7b2b84b6test', items: Array.from({ length: 50 }, (_, i) => ({ i })) }));
    for (const type of [CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD] as const) {
      const codec = (
        CompressionCodecs[type] as () => { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> }
      )();
      const compressed = await codec.compress({ buffer: bytes });
      expect(compressed.length).toBeLessThan(bytes.length);
      expect(await codec.decompress(compressed)).toEqual(bytes);
    }
  });

  it('name the codecs as --compression takes them', () => {
    expect(Object.keys(COMPRESSIONS)).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
  });
});
