/**
 * Builds the page's files: index.html and app.css as they are, and the browser script browser/app.ts bundled by
 * esbuild into one classic script (it is served at /app.js and loaded with `defer`). infra/bundle.ts builds them
 * into the api bundle with this; assets.ts calls it when the function runs from source. Build tooling: never
 * part of a bundle.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { WebAssets } from './assets.js';

const HERE = import.meta.dirname;

export async function buildWebAssets(): Promise<WebAssets> {
  const [html, css, script] = await Promise.all([
    readFile(join(HERE, 'index.html'), 'utf8'),
    readFile(join(HERE, 'app.css'), 'utf8'),
    build({
      entryPoints: [join(HERE, 'browser', 'app.ts')],
      tsconfig: join(HERE, 'browser', 'tsconfig.json'),
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      minify: true,
      write: false,
      logLevel: 'warning',
    }),
  ]);
  const js = script.outputFiles[0]?.text;
  if (js === undefined) throw new Error('esbuild produced no script for browser/app.ts');
  return { html, css, js };
}
