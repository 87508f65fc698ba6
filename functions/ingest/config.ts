/**
 * The ingest function's own settings, read once per container (cold start). The database's
 * settings live in shared/db.
 */
import * as z from 'zod';
import { type Env, readEnv, wholeNumber } from '../../shared/config.js';

/** INGEST_OUTAGE_BUDGET_SECONDS: default and range (infra/ passes the same default, within 14 minutes). */
export const OUTAGE_BUDGET_SECONDS = { min: 0, max: 840, fallback: 240 } as const;

const ingestEnvSchema = z.object({
  /**
   * How long one invocation waits for an unreachable database before it fails (the event-source
   * mapping then retries the batch). Capped by the function's remaining time (outage.ts).
   * docs/ingest.md gives the outage budget this buys.
   */
  INGEST_OUTAGE_BUDGET_SECONDS: wholeNumber(OUTAGE_BUDGET_SECONDS),
  /** Records remembered per container as already stored or rejected (memo.ts); a few hundred bytes each. */
  INGEST_MEMO_MAX_ENTRIES: wholeNumber({ min: 0, max: 10_000_000, fallback: 100_000 }),
});

export interface IngestConfig {
  outageBudgetMs: number;
  memoMaxEntries: number;
}

/** Throws one ConfigError naming each bad variable. */
export function readIngestConfig(env: Env = process.env): IngestConfig {
  const parsed = readEnv('ingest', ingestEnvSchema, env);
  return { outageBudgetMs: parsed.INGEST_OUTAGE_BUDGET_SECONDS * 1000, memoMaxEntries: parsed.INGEST_MEMO_MAX_ENTRIES };
}
