/**
 * One definition of the bundles: what bundleFunction (infra/bundle.ts) writes for local runs is byte for byte the
 * asset the synthesized stack deploys (the real synth, bundling included), for every function the stack has.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleFunction, FUNCTION_NAMES, type FunctionName } from '../../infra/bundle.js';
import { functionByService, resourcesOf, synthPipeline } from './synth.js';

let outdir: string;
let template: ReturnType<typeof synthPipeline>['template'];

beforeAll(() => {
  ({ outdir, template } = synthPipeline());
}, 240_000);

/** Every file under `dir`, by relative path, with its bytes. */
function files(dir: string): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder)) {
      const path = join(folder, entry);
      if (statSync(path).isDirectory()) walk(path);
      else found.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return found;
}

/** The cdk.out folder of a function's code: its S3 key is the asset hash. */
function assetOf(name: FunctionName): string {
  const [, fn] =
    name === 'pre-token'
      ? resourcesOf(template, 'AWS::Lambda::Function').find(([, props]) => String(props.Description).startsWith('Cognito pre-token'))!
      : functionByService(template, name);
  const key = (fn.Code as { S3Key: string }).S3Key;
  expect(fn.Handler).toBe('index.handler');
  return join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
}

describe('bundleFunction', () => {
  it.each(FUNCTION_NAMES)('builds %s exactly as the deployed asset (every file, byte for byte)', async (name) => {
    const local = mkdtempSync(join(tmpdir(), `bundle-${name}-`));
    const { file } = await bundleFunction(name, local);
    expect(file).toBe(join(local, 'index.mjs'));
    const deployed = files(assetOf(name));
    const built = files(local);
    expect([...built.keys()].sort()).toEqual([...deployed.keys()].sort());
    expect(built.has('index.mjs.map')).toBe(true);
    for (const [path, bytes] of built) expect(bytes.equals(deployed.get(path)!), path).toBe(true);
  });

  it('knows every function: each folder of functions/ with a handler.ts is one FunctionName', () => {
    const root = join(import.meta.dirname, '..', '..', 'functions');
    const folders = readdirSync(root).filter((name) => statSync(join(root, name, 'handler.ts'), { throwIfNoEntry: false })?.isFile());
    expect([...FUNCTION_NAMES].sort()).toEqual(folders.sort());
  });

  it('runs every function with source maps enabled', () => {
    for (const name of FUNCTION_NAMES) {
      const [, fn] =
        name === 'pre-token'
          ? resourcesOf(template, 'AWS::Lambda::Function').find(([, props]) => String(props.Description).startsWith('Cognito pre-token'))!
          : functionByService(template, name);
      expect((fn.Environment as { Variables: Record<string, unknown> }).Variables.NODE_OPTIONS, name).toBe('--enable-source-maps');
    }
  });
});
