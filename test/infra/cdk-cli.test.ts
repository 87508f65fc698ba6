/**
 * The deploy path as a user runs it: the pinned CDK CLI reads cdk.json and synthesizes offline,
 * with no AWS credentials in its environment. Then the bundles it produced are measured, and the
 * migrate bundle is run for real against PostgreSQL.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { builtinModules } from 'node:module';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/constructs/pipeline-function.js';
import { createEmptyTestDatabase, type ScratchDatabase } from '../support/database.js';

const run = promisify(execFile);
const BUILTINS = new Set(builtinModules);
const CDK_CLI = join(REPO_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');
/**
 * Each bundle's ceiling: what it measured when set (docs/deploy.md) plus room for the next
 * changes, so that a dependency that drags in a large tree fails here, not in a cold start.
 */
const KB = 1024;
// index.mjs, what init loads. api: zod came with its configuration schemas (CACHE_*, AUTH_*, DB_*).
const BUNDLE_LIMITS: Record<string, number> = { ingest: 320 * KB, api: 352 * KB, submit: 512 * KB, migrate: 600 * KB };
// index.mjs and chunks/, all the function may ever load: raised when the AWS SDK (the Secrets Manager client with its
// credential chain; for submit the MSK signer with its STS client) came back into the bundles, loaded on first use
// from chunks/ (docs/deploy.md, bundles).
const TOTAL_LIMITS: Record<string, number> = { ingest: 640 * KB, api: 720 * KB, submit: 900 * KB, migrate: 960 * KB };

let outdir: string;
let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }> };
let synthSeconds: number;

/** Node 24 first on PATH (npx tsx must run the app with it); AWS credentials and profiles removed. */
function offlineEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^AWS_|^CDK_DEFAULT_/.test(name)) env[name] = value;
  }
  return {
    ...env,
    PATH: `${dirname(process.execPath)}:${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_CONFIG_FILE: '/dev/null',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'order-pipeline-cli-'));
  const started = performance.now();
  await run(process.execPath, [CDK_CLI, 'synth', '--quiet', '--no-notices', '--output', outdir], {
    cwd: REPO_ROOT,
    env: offlineEnvironment(),
    maxBuffer: 16 * 1024 * 1024,
  });
  synthSeconds = (performance.now() - started) / 1000;
  template = JSON.parse(readFileSync(join(outdir, 'OrderPipeline-dev.template.json'), 'utf8'));
}, 240_000);

/** The asset folder of the function whose POWERTOOLS_SERVICE_NAME is `service`. */
function bundleDir(service: string): string {
  const fn = Object.values(template.Resources).find(
    (resource) =>
      resource.Type === 'AWS::Lambda::Function' &&
      (resource.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.POWERTOOLS_SERVICE_NAME ===
        service,
  );
  const assetPath = fn?.Metadata?.['aws:asset:path'];
  if (!assetPath) throw new Error(`no bundled asset for ${service}`);
  return join(outdir, assetPath);
}

describe('cdk synth with the pinned CLI', () => {
  it('is the 2.1148 CLI that reads this aws-cdk-lib', async () => {
    const { stdout } = await run(process.execPath, [CDK_CLI, '--version'], { env: offlineEnvironment() });
    expect(stdout).toMatch(/^2\.1148\./);
  });

  it('synthesizes the dev stack offline without credentials', () => {
    console.log(`cdk synth (CLI, 4 bundles, cdk-nag): ${synthSeconds.toFixed(1)} s`);
    expect(Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::EventSourceMapping')).toHaveLength(1);
  });
});

describe('function bundles', () => {
  it.each(Object.entries(BUNDLE_LIMITS))('%s loads an index.mjs within its limit at init (%i bytes)', (service, limit) => {
    const bytes = statSync(join(bundleDir(service), 'index.mjs')).size;
    console.log(`bundle ${service.padEnd(8)} ${(bytes / KB).toFixed(1).padStart(7)} KB  (limit ${limit / KB} KB)`);
    expect(bytes).toBeLessThanOrEqual(limit);
  });

  it.each(Object.entries(TOTAL_LIMITS))('%s with its lazily loaded chunks stays within %i bytes', (service, limit) => {
    const chunks = join(bundleDir(service), 'chunks');
    const files = [
      join(bundleDir(service), 'index.mjs'),
      ...readdirSync(chunks)
        .filter((file) => file.endsWith('.mjs'))
        .map((file) => join(chunks, file)),
    ];
    const bytes = files.reduce((sum, file) => sum + statSync(file).size, 0);
    console.log(`bundle ${service.padEnd(8)} ${(bytes / KB).toFixed(1).padStart(7)} KB with chunks/ (limit ${limit / KB} KB)`);
    expect(bytes).toBeLessThanOrEqual(limit);
  });

  /** What the bundle of `service` imports, as esbuild's metafile lists it (the bundle itself parsed, its packages left out). */
  const importsOf = async (service: string) => {
    const result = await build({
      entryPoints: [join(bundleDir(service), 'index.mjs')],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    });
    return Object.values(result.metafile.inputs).flatMap((input) => input.imports);
  };

  /**
   * Packages the bundle still imports (import, import(), require with a literal): what it expects
   * the Lambda runtime to provide. esbuild parses the bundle, so module names inside strings (the
   * SDK's error messages mention optional packages) do not count.
   */
  const fromRuntime = async (service: string): Promise<string[]> => {
    const imports = (await importsOf(service)).filter((item) => item.external).map((item) => item.path);
    return [...new Set(imports.filter((name) => !name.startsWith('node:') && !BUILTINS.has(name.split('/')[0]!)))].sort();
  };

  // The SDK (Secrets Manager, the MSK signer) is bundled as ES modules, not loaded from the runtime's CommonJS copy.
  it.each(Object.keys(BUNDLE_LIMITS))('%s bundles everything it needs: it loads nothing from the Lambda runtime', async (service) => {
    const modules = await fromRuntime(service);
    console.log(`bundle ${service.padEnd(8)} loads from the Lambda runtime: ${modules.join(', ') || 'nothing'}`);
    expect(modules).toEqual([]);
  });

  // An ES module import of a built-in is loaded at init wherever it sits in the bundle (infra/bundle.ts, lazyBuiltins);
  // the banner's node:module (its require() for CommonJS dependencies) is the one exception.
  it.each(Object.keys(BUNDLE_LIMITS))("%s imports no Node built-in as an ES module but the banner's node:module", async (service) => {
    const imports = await importsOf(service);
    const builtins = imports.filter((item) => item.external && (item.path.startsWith('node:') || BUILTINS.has(item.path)));
    expect([...new Set(builtins.filter((item) => item.kind !== 'require-call').map((item) => item.path))]).toEqual(['node:module']);
  });

  it('ships migrations/*.sql inside the migrate bundle', () => {
    const shipped = readdirSync(join(bundleDir('migrate'), 'migrations'))
      .filter((file) => file.endsWith('.sql'))
      .sort();
    const source = readdirSync(join(REPO_ROOT, 'migrations'))
      .filter((file) => file.endsWith('.sql'))
      .sort();
    expect(shipped).toEqual(source);
    expect(shipped.length).toBeGreaterThan(0);
  });
});

describe('migrate bundle', () => {
  // An empty database: the bundle applies the migrations itself.
  let database: ScratchDatabase | undefined;
  const databaseUrl = () => {
    if (!database) throw new Error('the database is created in beforeAll');
    return database.url;
  };
  beforeAll(async () => {
    database = await createEmptyTestDatabase();
  });
  afterAll(() => database?.drop());

  /**
   * Runs index.mjs in its own Node process as Lambda would load it. The Lambda runtime provides
   * @aws-sdk/*; here the repository's node_modules, linked next to the bundle, stands in for it.
   */
  async function invokeBundle(): Promise<{ applied: string[] }> {
    const dir = bundleDir('migrate');
    try {
      symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const script = `const { handler } = await import(${JSON.stringify(join(dir, 'index.mjs'))});
const context = { functionName: 'migrate', awsRequestId: 'test', getRemainingTimeInMillis: () => 60000 };
process.stdout.write('RESULT' + JSON.stringify(await handler({}, context)));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: tmpdir(),
      env: {
        ...offlineEnvironment(),
        DATABASE_URL: databaseUrl(),
        LAMBDA_TASK_ROOT: dir,
        POWERTOOLS_METRICS_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      },
    });
    return JSON.parse(stdout.slice(stdout.indexOf('RESULT') + 'RESULT'.length)) as { applied: string[] };
  }

  it('applies the shipped migrations to an empty database, then finds nothing to do', async () => {
    const first = await invokeBundle();
    expect(first.applied).toEqual(
      readdirSync(join(REPO_ROOT, 'migrations'))
        .filter((f) => f.endsWith('.sql'))
        .sort()
        .map((f) => f.replace(/\.sql$/, '')),
    );
    const client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      );
      expect(rows.map((row) => row.table_name)).toEqual(expect.arrayContaining(['deliveries', 'items', 'orders', 'payments']));
    } finally {
      await client.end();
    }
    expect((await invokeBundle()).applied).toEqual([]);
  }, 60_000);
});
