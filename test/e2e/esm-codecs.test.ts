/**
 * Records from any producer (issue 18, item 4): batches compressed with every codec Kafka has, by
 * a client we did not write (kcat on librdkafka, Debian's package, installed by .ci/run) and by
 * the producer CLI's `--compression`, reach PostgreSQL through the mapping emulator and the
 * ingest function's bundle; the DLQ tool reads on-failure records in every codec too.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../local/emulators/esm/emulator.js';
import { toDlqMessage } from '../../local/emulators/esm/dlq-record.js';
import { COMPRESSIONS, type CompressionName } from '../../local/services/kafka/codecs.js';
import { createTopic } from '../../local/services/kafka/broker.js';
import { planRecords, type PlannedRecord, sendRecords } from '../../local/tools/produce.js';
import { createTestDatabase, withClient } from '../support/database.js';
import { createTestTopics, readDlq, startTestKafka, type TestKafka, waitForCaughtUp } from '../support/kafka.js';
import { startIngestFunction } from '../support/lambda.js';

const CODECS = Object.keys(COMPRESSIONS) as CompressionName[];
const KCAT = '/usr/bin/kcat';

let kafka: TestKafka;
let database: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  [kafka, database] = await Promise.all([startTestKafka(), createTestDatabase()]);
});

afterAll(async () => {
  await database?.drop();
  await kafka?.destroy();
});

/** `kcat -P -z <codec>`: one `key<TAB>value` line per record, produced in compressed batches. */
function kcatProduce(topic: string, codec: CompressionName, lines: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-P', '-b', kafka.brokers, '-t', topic, '-z', codec, '-K', '\t', '-X', 'linger.ms=50', '-X', 'batch.num.messages=200'];
    const child = spawn(KCAT, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', (error) => reject(new Error(`${KCAT} could not run (apt-get install kcat): ${error.message}`)));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat -z ${codec} exited with ${code}: ${stderr}`))));
    child.stdin.end(lines.map((line) => `${line}\n`).join(''));
  });
}

async function storedUids(url: string): Promise<Set<string>> {
  return withClient(
    url,
    async (client) => new Set((await client.query<{ order_uid: string }>('SELECT order_uid FROM orders')).rows.map((row) => row.order_uid)),
  );
}

describe('records in every codec', () => {
  it('stores every order kcat produced with each codec, and every order the producer CLI compressed', async () => {
    const topics = await createTestTopics(kafka.brokers, 6);
    const byCodec = new Map(CODECS.map((codec, index) => [codec, planRecords({ count: 200, seed: 100 + index })]));
    const cli = new Map(CODECS.map((codec, index) => [codec, planRecords({ count: 100, seed: 200 + index })]));
    const ingest = await startIngestFunction(database.url, kafka.brokers);
    const emulator = await startEmulator({
      brokers: kafka.brokers,
      ...topics,
      handler: ingest.handler,
      functionName: 'ingest',
      log: () => {},
    });
    try {
      for (const [codec, records] of byCodec)
        await kcatProduce(
          topics.topic,
          codec,
          records.map((record) => `${record.key}\t${record.value}`),
        );
      for (const [codec, records] of cli)
        await sendRecords(records, { brokers: [kafka.brokers], topic: topics.topic, client: {}, compression: codec });
      await waitForCaughtUp(kafka.brokers, topics.groupId, topics.topic);
    } finally {
      await emulator.stop();
      await ingest.service.close();
    }
    const stored = await storedUids(database.url);
    for (const [codec, records] of [...byCodec, ...cli]) {
      expect({ codec, missing: records.filter((record) => !stored.has(record.key)).length }).toEqual({ codec, missing: 0 });
    }
    expect(stored.size).toBe(CODECS.length * 300);
    expect(emulator.stats.functionErrors).toBe(0);
  });

  it('reads on-failure records the DLQ holds in each codec', async () => {
    const dlqTopic = `orders-dlq-codecs-${Date.now()}`;
    await createTopic(kafka.brokers, dlqTopic, 1);
    const source = {
      functionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:ingest',
      eventSourceArn: 'arn:aws:kafka:x',
      bootstrapServers: kafka.brokers,
    };
    const planned: PlannedRecord[] = planRecords({ count: CODECS.length, seed: 300 });
    for (const [index, codec] of CODECS.entries()) {
      const record = {
        topic: 'orders',
        partition: index,
        offset: index,
        timestamp: Date.now(),
        key: Buffer.from(planned[index]!.key),
        value: Buffer.from(planned[index]!.value),
        headers: {},
      };
      const message = toDlqMessage(record, { condition: 'RetriesExhausted', attempts: 11, functionError: false }, source, 1);
      await kcatProduce(dlqTopic, codec, [`${planned[index]!.key}\t${String(message.value)}`]);
    }
    const entries = await readDlq(kafka.brokers, dlqTopic);
    expect(entries.map((entry) => entry.source.partition)).toEqual(CODECS.map((_, index) => index));
    expect(entries.map((entry) => entry.value?.toString('utf8'))).toEqual(planned.map((record) => record.value));
    expect(entries.every((entry) => entry.condition === 'RetriesExhausted')).toBe(true);
  });
});
