// What the deployed submit bundle holds, read from the source map of the bundle itself (infra/bundle.ts, the one
// definition the CDK asset is built with): the submitter has no database code at all.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleFunction } from '../../infra/bundle.js';

/** Every source file the bundle was built from, as repository paths (the map's `sources`). */
async function bundledInputs(): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'submit-bundle-'));
  try {
    const { file } = await bundleFunction('submit', dir);
    const map = JSON.parse(await readFile(`${file}.map`, 'utf8')) as { sources: string[] };
    return map.sources.map((source) => source.replace(/^(\.\.\/)+/, ''));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('submit function bundle', () => {
  it('holds the Kafka producer and no database code: the submitter cannot read the database', async () => {
    const inputs = await bundledInputs();
    expect(inputs).toContain('shared/kafka/producer.ts');
    expect(inputs.some((input) => input.startsWith('node_modules/kafkajs/'))).toBe(true);
    expect(inputs.filter((input) => /^shared\/db\/|node_modules\/(pg|pg-pool|pg-protocol|node-pg-migrate)\//.test(input))).toEqual([]);
  });
});
