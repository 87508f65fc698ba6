import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { contractFiles } from '../../local/tools/openapi.js';
import { openApiDocument } from '../../shared/http/openapi.js';
import { ROUTES } from '../../shared/http/routes.js';

const ROOT = join(import.meta.dirname, '..', '..');
type Operation = { security: Array<Record<string, string[]>>; responses: Record<string, unknown> };
const doc = openApiDocument() as { openapi: string; paths: Record<string, Record<string, Operation>> };

describe('published contract files', () => {
  it.each(Object.keys(contractFiles()))('%s is what `npm run openapi` writes (run it after changing routes or schemas)', (path) => {
    expect(readFileSync(join(ROOT, path), 'utf8')).toBe(contractFiles()[path]);
  });
});

describe('the OpenAPI document', () => {
  it("is valid OpenAPI 3.1 (the specification's own schema)", async () => {
    const result = await new Validator().validate(openApiDocument());
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\.1\./);
    // The validator does refuse a broken document (a response without its description).
    type Responses = Record<string, Record<string, unknown>>;
    const broken = structuredClone(openApiDocument()) as { paths: Record<string, Record<string, { responses: Responses }>> };
    delete broken.paths['/health']!.get!.responses['200']!.description;
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('has every route of the table, with its authorization as security', () => {
    for (const route of ROUTES) {
      const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, route.key).toBeDefined();
      if (route.auth.kind === 'public') expect(operation!.security).toEqual([]);
      if (route.auth.kind === 'jwt') expect(operation!.security).toEqual([{ jwt: [...route.auth.scopes] }]);
      if (route.auth.kind === 'iam') expect(operation!.security).toEqual([{ sigv4: [] }, { jwt: [...route.auth.scopes] }]);
    }
    expect(Object.values(doc.paths).flatMap((item) => Object.keys(item).filter((method) => method !== 'head'))).toHaveLength(ROUTES.length);
  });

  it("names HEAD where the read function answers it, with $default's read scope, and not on the admin route", () => {
    expect(doc.paths['/orders/{order_uid}']!.head!.security).toEqual([{ jwt: ['orders/read'] }]);
    expect(doc.paths['/']!.head).toBeDefined();
    expect(doc.paths['/cache/stats']!.head).toBeUndefined();
  });

  it("names API Gateway's own 401 and 403 on every protected route, and 429 on every route", () => {
    for (const route of ROUTES) {
      const statuses = Object.keys(doc.paths[route.path]![route.method.toLowerCase()]!.responses);
      expect(statuses, route.key).toContain('429');
      if (route.auth.kind !== 'public') expect(statuses, route.key).toEqual(expect.arrayContaining(['401', '403']));
      else expect(statuses, route.key).not.toContain('401');
    }
  });
});
