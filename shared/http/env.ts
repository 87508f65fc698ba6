import type * as z from 'zod';

/**
 * Configuration from environment variables: one zod schema per concern (cache, Kafka, auth,
 * database), parsed once when the function first needs it. A bad value fails with one error
 * that names every variable at fault and what it got, never a stack of parser internals.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Parses `env` with `schema` (whose keys are variable names); throws ConfigError naming each bad variable. */
export function readEnv<Schema extends z.ZodType>(concern: string, schema: Schema, env: Env): z.output<Schema> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '');
    const raw = name ? env[name] : undefined;
    return `${name || concern}: ${issue.message}${raw === undefined ? '' : ` (got "${raw}")`}`;
  });
  throw new ConfigError(`${concern} configuration: ${problems.join('; ')}`);
}

/** An unset or blank variable counts as absent, so that `FOO=` falls back to the default. */
export const blankAsAbsent = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? undefined : value);
