/**
 * Reading an error answer: RFC 9457 problem details (`application/problem+json`: `title`, `detail`, `status`, our
 * `code` and `violations` as extensions) and the older `{ "error": code, "message": … }` body alike, and anything
 * else (an HTML error page, an empty body) as a status alone. Pure: unit-tested in test/unit/web-problem.test.ts.
 */
export interface Violation {
  path: string;
  message: string;
}

export interface Problem {
  status: number;
  /** Our error code (`not_found`, `invalid_order`, …) when the body names one. */
  code?: string;
  title?: string;
  detail?: string;
  violations: Violation[];
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const textOf = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function parse(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function violationsOf(value: unknown): Violation[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((item) => ({ path: textOf(item.path) ?? '', message: textOf(item.message) ?? '' }));
}

/** The problem an error answer describes; `status` is the HTTP status (a body's own `status` may not override it). */
export function readProblem(status: number, body: string): Problem {
  const json = parse(body);
  if (!json) return { status, violations: [] };
  // The older shape nested the message and violations under `error` in some answers.
  const nested = isObject(json.error) ? json.error : undefined;
  const code = textOf(json.code) ?? textOf(json.error) ?? textOf(nested?.code);
  const detail = textOf(json.detail) ?? textOf(json.message) ?? textOf(nested?.message);
  const title = textOf(json.title);
  return {
    status,
    ...(code !== undefined ? { code } : {}),
    ...(title !== undefined ? { title } : {}),
    ...(detail !== undefined ? { detail } : {}),
    violations: violationsOf(json.violations ?? nested?.violations),
  };
}

/** One line for a person: the detail, else the title, else nothing (the caller says the status). */
export function problemText(problem: Problem): string | undefined {
  return problem.detail ?? problem.title;
}
