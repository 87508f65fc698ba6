import * as z from 'zod';

/**
 * The ingest function's own settings, read once per container (cold start). The database's
 * settings live in shared/db.
 */
const ingestEnvSchema = z.object({
  /**
   * How long one invocation waits for an unreachable database before it fails (the event-source
   * mapping then retries the batch). Capped by the function's remaining time (outage.ts).
   * docs/ingest.md gives the outage budget this buys.
   */
  INGEST_OUTAGE_BUDGET_SECONDS: z.coerce.number().int().min(0).max(840).default(240),
  /** Records remembered per container as already stored or rejected (memo.ts); about 200 bytes each. */
  INGEST_MEMO_MAX_ENTRIES: z.coerce.number().int().min(0).max(10_000_000).default(100_000),
});

export interface IngestConfig {
  outageBudgetMs: number;
  memoMaxEntries: number;
}

export class IngestConfigError extends Error {
  override name = 'IngestConfigError';
}

export function readIngestConfig(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  const result = ingestEnvSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new IngestConfigError(`invalid ingest configuration: ${problems}`);
  }
  return {
    outageBudgetMs: result.data.INGEST_OUTAGE_BUDGET_SECONDS * 1000,
    memoMaxEntries: result.data.INGEST_MEMO_MAX_ENTRIES,
  };
}
