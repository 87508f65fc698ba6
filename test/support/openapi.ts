/**
 * Checks a handler's response against the OpenAPI document (shared/http/openapi.ts) with a JSON
 * Schema 2020-12 validator (ajv): the status must be documented for the route the table selects,
 * the content type must be one the document names for it, a JSON body must match its schema, and
 * documented required headers must be present. A request no route declares ($default: 404/405)
 * must answer problem details. Used by the integration tests on every response they get.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import { openApiDocument } from '../../shared/http/openapi.js';
import { DEFAULT_ROUTE, matchRoute } from '../../shared/http/routes.js';

type Json = Record<string, unknown>;
interface Response {
  statusCode?: number;
  headers?: Record<string, string | number | boolean> | undefined;
  body?: string | undefined;
}

const document = openApiDocument() as { paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, unknown> } };
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
ajv.addSchema({ $id: 'openapi', components: document.components });
const compiled = new Map<string, ValidateFunction>();

function validatorFor(schema: Json): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    // Refs point into the document's components, registered above as `openapi`.
    validate = ajv.compile(JSON.parse(key.replaceAll('"#/components/', '"openapi#/components/')) as Json);
    compiled.set(key, validate);
  }
  return validate;
}

function documentedResponse(method: string, path: string, status: number): Json | undefined {
  // HEAD arrives through $default; the document names it on the GET routes whose HEAD is answered.
  const { route } = matchRoute(method === 'HEAD' ? 'GET' : method, path);
  const operation = document.paths[route.path]?.[method.toLowerCase()];
  if (route === DEFAULT_ROUTE || !operation) {
    // $default: the read function's 404/405, after API Gateway's authorizer and throttling.
    const schema = [401, 403, 429].includes(status) ? ['application/json', 'GatewayMessage'] : ['application/problem+json', 'Problem'];
    return { content: { [schema[0]!]: { schema: { $ref: `#/components/schemas/${schema[1]}` } } } };
  }
  return (operation.responses as Record<string, Json>)[String(status)];
}

/** A fetch answer (through the local gateway) as the response shape `expectDocumented` checks; the body stays readable. */
export async function expectFetchDocumented(method: string, url: string, response: globalThis.Response): Promise<globalThis.Response> {
  const body = await response.clone().text();
  expectDocumented(method, new URL(url).pathname, { statusCode: response.status, headers: Object.fromEntries(response.headers), body });
  return response;
}

/** Fails the test when `response` is not what the document says `method path` may answer. */
export function expectDocumented(method: string, path: string, response: Response): void {
  const status = response.statusCode ?? 200;
  const headers = Object.fromEntries(Object.entries(response.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]));
  const documented = documentedResponse(method, path, status);
  expect(documented, `${method} ${path} answered ${status}, which docs/openapi.json does not name`).toBeDefined();
  for (const [name, spec] of Object.entries((documented!.headers ?? {}) as Record<string, { required?: boolean }>)) {
    if (spec.required) expect(headers[name.toLowerCase()], `${method} ${path} ${status}: header ${name}`).toBeDefined();
  }
  // A HEAD answer has no body on the wire (an HTTP server drops whatever the function rendered).
  if (method === 'HEAD') return;
  const content = documented!.content as Record<string, { schema: Json }> | undefined;
  if (!content) {
    expect(response.body ?? '', `${method} ${path} ${status}: no body`).toBe('');
    return;
  }
  const type = (headers['content-type'] ?? '').split(';')[0]!.trim();
  expect(Object.keys(content), `${method} ${path} ${status}: content-type ${type}`).toContain(type);
  if (!type.endsWith('json')) return;
  const validate = validatorFor(content[type]!.schema);
  const valid = validate(JSON.parse(response.body ?? 'null'));
  expect(validate.errors ?? [], `${method} ${path} ${status}: body against docs/openapi.json`).toEqual([]);
  expect(valid).toBe(true);
}
