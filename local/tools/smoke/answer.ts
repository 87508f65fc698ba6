/**
 * How the smoke test words what it saw, in one line without personal data: an HTTP answer's
 * status and error (every body shape the API can send), and where a read-back order differs from
 * the one sent (JSONPath only, never the values).
 *
 * Error bodies: RFC 9457 problem details (`application/problem+json`: `title`, `detail`,
 * `status`, our `code` extension, `violations`), the older `{ "error": code, "message": … }`, and
 * API Gateway's own `{ "message": "Unauthorized" }` (with the reason in `www-authenticate`).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
const oneLine = (value: string, max = 300) => {
  const line = value.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** `violations: [{ path }]` as "3 violation(s): $.a, $.b, $.c" (paths name fields, not values). */
function violations(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const paths = value.map((entry) => text((entry as { path?: unknown }).path)).filter((path) => path !== undefined);
  return `${value.length} violation(s)${paths.length > 0 ? `: ${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ', …' : ''}` : ''}`;
}

/** "404 not_found: no order with order_uid …", "401: Unauthorized (the token has expired)", "502 (text/html)". */
export function describeAnswer(status: number, headers: Headers, body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const type = headers.get('content-type');
    return `${status}${type ? ` (${type.split(';')[0]})` : ''}`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return String(status);
  const fields = parsed as Record<string, unknown>;
  const code = text(fields.code) ?? text(fields.error);
  const detail = text(fields.detail) ?? text(fields.message) ?? text(fields.title);
  const reason = /error_description="([^"]*)"/.exec(headers.get('www-authenticate') ?? '')?.[1];
  const extra = [violations(fields.violations), reason].filter((part) => part !== undefined);
  return oneLine(`${status}${code ? ` ${code}` : ''}${detail ? `: ${detail}` : ''}${extra.length > 0 ? ` (${extra.join('; ')})` : ''}`);
}

/** The JSONPaths at which `actual` differs from `expected` (missing, extra or other values), at most `limit`. */
export function differences(expected: unknown, actual: unknown, limit = 5): string[] {
  const found: string[] = [];
  const walk = (want: Json | undefined, got: Json | undefined, path: string): void => {
    if (found.length >= limit) return;
    if (Array.isArray(want) && Array.isArray(got)) {
      if (want.length !== got.length) found.push(`${path} (length ${got.length}, sent ${want.length})`);
      else {
        for (const [index, item] of want.entries()) walk(item, got[index], `${path}[${index}]`);
      }
      return;
    }
    if (isObject(want) && isObject(got)) {
      for (const key of new Set([...Object.keys(want), ...Object.keys(got)])) {
        const child = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
        if (!(key in got)) found.push(`${child} (missing)`);
        else if (!(key in want)) found.push(`${child} (not sent)`);
        else walk(want[key], got[key], child);
        if (found.length >= limit) return;
      }
      return;
    }
    if (!Object.is(want, got)) found.push(path);
  };
  walk(expected as Json, actual as Json, '$');
  return found;
}

const isObject = (value: Json | undefined): value is { [key: string]: Json } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
