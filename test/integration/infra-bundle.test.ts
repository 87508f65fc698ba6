/**
 * Stack traces from a built bundle, as a function runs it in AWS (NODE_OPTIONS=--enable-source-maps, set by
 * infra/constructs/pipeline-function.ts): a fresh Node process imports the bundle and calls its handler with an
 * event it cannot read, and prints the error's stack.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWebAssets } from '../../functions/api/web/build.js';
import { bundleFunction } from '../../infra/bundle.js';

const run = promisify(execFile);
let bundle: string;

beforeAll(async () => {
  ({ file: bundle } = await bundleFunction('pre-token', mkdtempSync(join(tmpdir(), 'bundle-stack-'))));
});

/** `functions/pre-token/<file>.ts:<line>` of the first line holding `text`. */
function sourceLine(text: string): string {
  const folder = join(import.meta.dirname, '..', '..', 'functions', 'pre-token');
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.ts'))) {
    const line = readFileSync(join(folder, file), 'utf8')
      .split('\n')
      .findIndex((code) => code.includes(text));
    if (line >= 0) return `functions/pre-token/${file}:${line + 1}`.replaceAll('.', '\\.');
  }
  throw new Error(`no line holds ${text}`);
}

async function stackOf(nodeOptions: string): Promise<string> {
  // groupsToOverride is not a list: scopesForGroups (functions/pre-token/) throws a TypeError.
  const event = { request: { groupConfiguration: { groupsToOverride: 'not-a-list' } } };
  const script = `const { handler } = await import(${JSON.stringify(bundle)});
try { await handler(${JSON.stringify(event)}); } catch (error) { process.stdout.write(error.stack); }`;
  const env = { ...process.env, NODE_OPTIONS: nodeOptions };
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env });
  return stdout;
}

describe('function bundles in a stack trace', () => {
  it('name the TypeScript file and line with --enable-source-maps', async () => {
    const stack = await stackOf('--enable-source-maps');
    expect(stack).toMatch(/^TypeError: .*flatMap is not a function/);
    // Where the source throws and where the handler calls it: file and line.
    const [, thrower, caller] = stack.split('\n');
    expect(thrower).toMatch(new RegExp(`at scopesForGroups \\(.*/${sourceLine('groups.flatMap(')}:\\d+\\)$`));
    expect(caller).toMatch(new RegExp(`/${sourceLine('= scopesForGroups(')}:\\d+\\)$`));
  });

  it('name only the minified index.mjs without it (what the flag changes)', async () => {
    const stack = await stackOf('');
    expect(stack).toMatch(/index\.mjs:\d+:\d+/);
    expect(stack).not.toMatch(/\.ts:\d+/);
  });
});

describe('the api bundle', () => {
  it('serves the page, its script and its stylesheet built into it (nothing read from disk, no build tool inside)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-api-'));
    // Nothing next to the bundle: it carries all it needs, the AWS SDK included.
    const { file } = await bundleFunction('api', join(dir, 'api'));
    expect(readFileSync(file, 'utf8')).not.toMatch(/esbuild|buildWebAssets/);
    const script = `const { handler } = await import(${JSON.stringify(file)});
const context = { functionName: 'api', awsRequestId: 'test', getRemainingTimeInMillis: () => 10000 };
const answers = {};
for (const path of ['/', '/app.js', '/app.css']) {
  const event = { version: '2.0', routeKey: 'GET ' + path, rawPath: path, rawQueryString: '', headers: {},
    requestContext: { http: { method: 'GET', path }, requestId: 'r' } };
  const { statusCode, headers, body } = await handler(event, context);
  answers[path] = { statusCode, type: headers['content-type'], body };
}
process.stdout.write(JSON.stringify(answers));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: tmpdir(),
      env: { ...process.env, POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'ERROR' },
    });
    const answers = JSON.parse(stdout) as Record<string, { statusCode: number; type: string; body: string }>;
    const assets = await buildWebAssets();
    expect(answers['/']).toEqual({ statusCode: 200, type: 'text/html; charset=utf-8', body: assets.html });
    expect(answers['/app.js']).toEqual({ statusCode: 200, type: 'text/javascript; charset=utf-8', body: assets.js });
    expect(answers['/app.css']).toEqual({ statusCode: 200, type: 'text/css; charset=utf-8', body: assets.css });
    expect(assets.html).toContain('<script src="/app.js" defer></script>');
  });
});
