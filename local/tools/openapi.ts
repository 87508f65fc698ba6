// `npm run openapi`: writes the published contracts, generated from the code: docs/openapi.json
// (shared/http/openapi.ts) and schemas/order.schema.json (shared/order/json-schema.ts).
// test/unit/http-openapi.test.ts fails when either file differs from what this writes.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openApiText } from '../../shared/http/openapi.js';
import { orderJsonSchema } from '../../shared/order/json-schema.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Each contract file (path from the repository root) and the text it must hold. */
export function contractFiles(): Record<string, string> {
  return {
    'docs/openapi.json': openApiText(),
    'schemas/order.schema.json': `${JSON.stringify(orderJsonSchema(), null, 2)}\n`,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [path, text] of Object.entries(contractFiles())) {
    writeFileSync(join(ROOT, path), text);
    console.log(`openapi: wrote ${path}`);
  }
}
