import * as z from 'zod';
import { PipelineError } from './errors.js';

/**
 * Configuration from environment variables, the same way for every concern (database, Kafka,
 * cache, auth, ingest): one zod schema per concern, whose keys are the variable names, parsed
 * once when the function first needs it. A bad value fails with one ConfigError that names every
 * variable at fault and what it got, except the values of secret variables (a database URL holds
 * a password), which are never printed.
 */
export class ConfigError extends PipelineError {
  override readonly name = 'ConfigError';
  constructor(message: string) {
    super('defect', message);
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

/** One thing wrong with one variable (or CDK context key). */
export interface ConfigProblem {
  name: string;
  message: string;
}

export interface ReadEnvOptions {
  /** Variables whose values never appear in an error. */
  secret?: readonly string[];
  /** Rules over several variables that hold even when the schema fails; reported first. */
  check?: (env: Env) => ConfigProblem[];
}

/**
 * Parses `env` with `schema`; throws one ConfigError naming each bad variable (with its value,
 * unless `options.secret` names it).
 *
 * @example
 * ```ts
 * const schema = z.object({ CACHE_TTL_SECONDS: wholeNumber({ min: 0, fallback: 300 }) });
 * const { CACHE_TTL_SECONDS } = readEnv('Cache', schema, process.env);
 * // CACHE_TTL_SECONDS=abc → ConfigError: "Cache configuration: CACHE_TTL_SECONDS: must be a whole number, at least 0 (got "abc")"
 * ```
 */
export function readEnv<Schema extends z.ZodType>(
  concern: string,
  schema: Schema,
  env: Env,
  options: ReadEnvOptions = {},
): z.output<Schema> {
  const result = schema.safeParse(env);
  const problems = [...(options.check?.(env) ?? []), ...(result.success ? [] : problemsOf(result.error))];
  if (result.success && problems.length === 0) return result.data;
  const secret = new Set(options.secret ?? []);
  const described = problems.map(({ name, message }) => {
    const raw = secret.has(name) ? undefined : blankAsAbsent(env[name]);
    return `${name || concern}: ${message}${raw === undefined ? '' : ` (got "${String(raw)}")`}`;
  });
  throw new ConfigError(`${concern} configuration: ${described.join('; ')}`);
}

/** The problems of a failed parse, each under the first key of its path. */
export function problemsOf(error: z.ZodError): ConfigProblem[] {
  return error.issues.map((issue) => ({ name: String(issue.path[0] ?? ''), message: issue.message }));
}

/** An unset or blank variable counts as absent, so that `FOO=` falls back to the default. */
export const blankAsAbsent = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/**
 * A whole number in [min, max] written in digits (no sign, exponent or fraction); blank: the
 * default. Without `max`, any safe integer from `min` up.
 */
export function wholeNumber({ min, max, fallback }: { min: number; max?: number; fallback: number }) {
  const range = max === undefined ? `, at least ${min}` : ` from ${min} to ${max}`;
  return z.preprocess(
    blankAsAbsent,
    z
      .string()
      .trim()
      .regex(/^\d{1,15}$/, `must be a whole number${range}`)
      .transform(Number)
      .pipe(
        z
          .number()
          .min(min, `must be at least ${min}`)
          .max(max ?? Number.MAX_SAFE_INTEGER, `must be at most ${max}`),
      )
      .default(fallback),
  );
}
