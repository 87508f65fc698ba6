// The functions' esbuild bundles, built with the options of the CDK NodejsFunction
// (infra/constructs/pipeline-function.ts): local runs load the same code that deploys.
import { join } from 'node:path';
import { build } from 'esbuild';

export type FunctionName = 'ingest' | 'api' | 'submit' | 'migrate';

const REPO_ROOT = join(import.meta.dirname, '..');
const REQUIRE_SHIM = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";
const EXTERNAL_MODULES = ['@aws-sdk/*', 'pg-native'];
const SUBMIT_EXTERNAL_MODULES = ['pg-native'];

/** Bundles functions/<name>/handler.ts into `<outDir>/index.mjs`, as `cdk synth` does. */
export async function bundleFunction(name: FunctionName, outDir: string): Promise<{ file: string }> {
  const file = join(outDir, 'index.mjs');
  await build({
    entryPoints: [join(REPO_ROOT, 'functions', name, 'handler.ts')],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    sourcemap: false,
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_SHIM },
    external: name === 'submit' ? SUBMIT_EXTERNAL_MODULES : EXTERNAL_MODULES,
    outfile: file,
    logLevel: 'warning',
  });
  return { file };
}
