/**
 * The page's files as text, for the api routes GET /, /app.js and /app.css. In a function bundle this module is
 * replaced by the built texts (infra/bundle.ts), so nothing below runs in AWS and the bundle holds no build tool.
 * Run from source (tsx, vitest), it builds them once on import, with the same build (build.ts).
 */
export interface WebAssets {
  html: string;
  css: string;
  js: string;
}

export const WEB_ASSETS: WebAssets = await (await import('./build.js')).buildWebAssets();
