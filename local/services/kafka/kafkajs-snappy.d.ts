// kafkajs-snappy ships no types: a kafkajs codec factory (CompressionCodecs entry).
declare module 'kafkajs-snappy' {
  const codec: () => { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
  export default codec;
}
