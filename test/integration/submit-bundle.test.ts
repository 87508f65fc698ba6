import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** Every source file the bundler pulls into a function, as the deployed bundle would contain it. */
async function bundledInputs(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: ['pg-native'],
  });
  return Object.keys(result.metafile.inputs);
}

describe('submit function bundle', () => {
  it('holds the Kafka producer and no database code: the submitter cannot read the database', async () => {
    const inputs = await bundledInputs('functions/submit/handler.ts');
    expect(inputs).toContain('shared/kafka/producer.ts');
    expect(inputs.some((input) => input.startsWith('node_modules/kafkajs/'))).toBe(true);
    expect(inputs.filter((input) => /^shared\/db\/|node_modules\/(pg|pg-pool|pg-protocol|node-pg-migrate)\//.test(input))).toEqual([]);
  });
});
