// Every compression codec Kafka has, for the local clients that read or write orders (the
// event-source mapping emulator, the DLQ tool and its redrive, the producer CLI): kafkajs 2.2.4
// ships gzip only and throws KafkaJSNotImplemented on a snappy, lz4 or zstd batch. AWS's mapping
// reads them all, and producers built on librdkafka (kcat, confluent-kafka) or the Java client
// compress when configured to, as MSK recommends. Codecs: snappy from kafkajs-snappy (pure JavaScript; reads raw and xerial-framed
// snappy as Kafka clients write it), lz4 frames from lz4-napi (prebuilt N-API binaries; the older
// lz4 package behind kafkajs-lz4 does not build for Node 24), zstd from Node's own zlib.
import { promisify } from 'node:util';
import { zstdCompress, zstdDecompress } from 'node:zlib';
import kafkajs from 'kafkajs';
import SnappyCodec from 'kafkajs-snappy';
import { compressFrame, decompressFrame } from 'lz4-napi';

// kafkajs is CommonJS and Node's named-export detection misses CompressionCodecs: take both from the default export.
const { CompressionCodecs, CompressionTypes } = kafkajs;

/** What `--compression` accepts, as kafkajs names the codecs. */
export const COMPRESSIONS = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
} as const;
export type CompressionName = keyof typeof COMPRESSIONS;

const zstd = { compress: promisify(zstdCompress), decompress: promisify(zstdDecompress) };

/** kafkajs hands `compress` its encoder; the bytes are in `buffer`. */
interface Encoder {
  buffer: Buffer;
}

const lz4Codec = () => ({
  compress: async (encoder: Encoder) => compressFrame(encoder.buffer),
  decompress: async (buffer: Buffer) => decompressFrame(buffer),
});

const zstdCodec = () => ({
  compress: async (encoder: Encoder) => zstd.compress(encoder.buffer),
  decompress: async (buffer: Buffer) => zstd.decompress(buffer),
});

/** Registers the codecs in kafkajs' process-wide table (the only way kafkajs takes codecs); idempotent. */
export function registerKafkaCodecs(): void {
  CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = lz4Codec;
  CompressionCodecs[CompressionTypes.ZSTD] = zstdCodec;
}
