/**
 * How every function is bundled, defined once. The deployed asset (infra/constructs/pipeline-function.ts, through
 * infra/bundle-cli.ts), local runs and tests all call `bundleFunction`, so what runs locally is byte for byte what
 * deploys (test/infra/bundle.test.ts compares it with the `cdk.out` asset).
 *
 * Each bundle is a minified ES module, `index.mjs`, with a linked source map, `index.mjs.map` (the functions run
 * with `--enable-source-maps`, so a stack trace names the TypeScript file and line), plus the code that the function
 * imports only when it first needs it (`await import(...)`: the AWS SDK with the first secret read, the MSK signer
 * with the first Kafka login) as ES module chunks in `chunks/`, each with its map: Node neither reads nor compiles
 * them at init. The build never writes where esbuild thinks it does: it builds in memory as if into the repository
 * root, so the maps' `sources` are repository paths (`functions/api/handler.ts`) whatever `outDir` is, and the bytes
 * do not depend on it.
 * Options are a table per function (FUNCTIONS) over one common set (COMMON): change them here and every path follows.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { buildWebAssets } from '../functions/api/web/build.js';

export type FunctionName = 'ingest' | 'api' | 'submit' | 'migrate' | 'pre-token';

export const FUNCTION_NAMES: readonly FunctionName[] = ['ingest', 'api', 'submit', 'migrate', 'pre-token'];

const REPO_ROOT = join(import.meta.dirname, '..');
const OUTPUT_FILE = 'index.mjs';

/**
 * Every function bundles everything it needs, the AWS SDK included, rather than loading the copy the Lambda Node.js
 * runtime ships: that copy is CommonJS, loaded whole, and of a version we neither choose nor test, while the SDK's ES
 * module build (`module` field) lets esbuild keep only what is used. test/infra/cdk-cli.test.ts checks that no bundle
 * loads anything from the runtime. pg-native is an optional peer of pg that we never use.
 */
const EXTERNAL = ['pg-native'];

/**
 * ES module output (middy 7 is ESM-only). Bundled CommonJS dependencies call require(); those of built-ins become
 * lazyBuiltins below at build time, but one left to run time (pg's optional `pg-native`, external) needs a require()
 * that an ES module lacks: the banner gives them one.
 */
const REQUIRE_SHIM = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * Node built-ins reach the bundle as `process.getBuiltinModule(...)` in a small CommonJS module each, never as an ES
 * module import. Why: esbuild hoists every import of an external module to the top of an ES module bundle, so a
 * built-in imported only by code that runs late (the AWS SDK, loaded with the first secret read: `node:https`,
 * `node:http2`, `node:child_process`, `node:zlib`, ...) would still be loaded at init; and the ES module facade of
 * `node:http` reads every export, its lazy WebSocket/MessageEvent/CloseEvent getters included, which load Node's
 * bundled undici. As CommonJS, each built-in is loaded where the code that needs it first runs (docs/benchmarks.md,
 * cold starts). Upstream: esbuild has no lazily evaluated form for imports of externals in ES module output
 * (github.com/evanw/esbuild/issues/700). Remove this when it has one, or when no bundled dependency imports a
 * built-in it does not use at load time: build without it and compare `npm run bench:cold`.
 */
const BUILTIN = new RegExp(`^(?:node:)?(${builtinModules.map((name) => name.replace(/[/\\]/g, '\\$&')).join('|')})$`);
const lazyBuiltins: Plugin = {
  name: 'lazy-builtins',
  setup(bundler) {
    bundler.onResolve({ filter: BUILTIN }, ({ path }) => ({ path: path.replace(/^node:/, ''), namespace: 'builtin' }));
    bundler.onLoad({ filter: /.*/, namespace: 'builtin' }, ({ path }) => ({
      contents: `module.exports = process.getBuiltinModule(${JSON.stringify(`node:${path}`)});`,
      loader: 'js',
    }));
  },
};

const COMMON = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  mainFields: ['module', 'main'],
  banner: { js: REQUIRE_SHIM },
  // Node reads the mappings only; the sources' text would only enlarge the map (docs/benchmarks.md, source maps).
  sourcemap: 'linked',
  sourcesContent: false,
  // What only a dynamic import reaches goes to chunks/ (see above); index.mjs keeps what init runs.
  splitting: true,
  entryNames: 'index',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  absWorkingDir: REPO_ROOT,
  logLevel: 'warning',
} satisfies BuildOptions;

/** The page's files (functions/api/web/assets.ts) become the built texts: nothing of the build step is bundled. */
const webAssets: Plugin = {
  name: 'web-assets',
  setup(bundler) {
    bundler.onLoad({ filter: /[\\/]functions[\\/]api[\\/]web[\\/]assets\.ts$/ }, async () => ({
      contents: `export const WEB_ASSETS = ${JSON.stringify(await buildWebAssets())};`,
      loader: 'js',
    }));
  },
};

interface FunctionBundle {
  external: string[];
  /** Repository folders shipped next to index.mjs (LAMBDA_TASK_ROOT). */
  copy?: string[];
  plugins?: Plugin[];
}

const FUNCTIONS: Record<FunctionName, FunctionBundle> = {
  ingest: { external: EXTERNAL },
  api: { external: EXTERNAL, plugins: [webAssets] },
  submit: { external: EXTERNAL },
  // The .sql files ride along: functions/migrate/run-migrations.ts reads them from LAMBDA_TASK_ROOT/migrations.
  migrate: { external: EXTERNAL, copy: ['migrations'] },
  'pre-token': { external: EXTERNAL },
};

/**
 * Builds functions/<name>/handler.ts into outDir (index.mjs, index.mjs.map, chunks/ and any shipped folders), as deployed.
 * outDir is created if need be; files already in it stay (give a new or empty folder for an exact copy of the asset).
 */
export async function bundleFunction(name: FunctionName, outDir: string): Promise<{ file: string }> {
  const spec = FUNCTIONS[name];
  const bundled = await bundleEntry(join(REPO_ROOT, 'functions', name, 'handler.ts'), outDir, spec);
  for (const folder of spec.copy ?? []) await cp(join(REPO_ROOT, folder), join(outDir, folder), { recursive: true });
  return bundled;
}

/**
 * Builds any entry module into outDir as index.mjs with the functions' options (bundleFunction's build; tests bundle
 * a probe of a lazily imported path with it, which only a bundle split into chunks shows as deployed).
 */
export async function bundleEntry(
  entryPoint: string,
  outDir: string,
  { external = EXTERNAL, plugins = [] }: Partial<Pick<FunctionBundle, 'external' | 'plugins'>> = {},
): Promise<{ file: string }> {
  const result = await build({
    ...COMMON,
    entryPoints: [entryPoint],
    outdir: REPO_ROOT,
    write: false,
    external,
    plugins: [lazyBuiltins, ...plugins],
  });
  await mkdir(outDir, { recursive: true });
  for (const output of result.outputFiles) {
    const file = join(outDir, relative(REPO_ROOT, output.path));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, output.contents);
  }
  return { file: join(outDir, OUTPUT_FILE) };
}
