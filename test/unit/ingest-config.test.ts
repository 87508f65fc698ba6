import { describe, expect, it } from 'vitest';
import { readIngestConfig } from '../../functions/ingest/config.js';
import { ConfigError } from '../../shared/config.js';

describe('readIngestConfig', () => {
  it('defaults to a 240 s outage budget and 100,000 remembered records', () => {
    expect(readIngestConfig({})).toEqual({ outageBudgetMs: 240_000, memoMaxEntries: 100_000 });
  });

  it('reads the variables', () => {
    expect(readIngestConfig({ INGEST_OUTAGE_BUDGET_SECONDS: '20', INGEST_MEMO_MAX_ENTRIES: '0' })).toEqual({
      outageBudgetMs: 20_000,
      memoMaxEntries: 0,
    });
  });

  it.each([
    ['INGEST_OUTAGE_BUDGET_SECONDS', 'soon'],
    ['INGEST_OUTAGE_BUDGET_SECONDS', '900'],
    ['INGEST_MEMO_MAX_ENTRIES', '-1'],
  ])('refuses %s=%s with an error naming the variable', (name, value) => {
    expect(() => readIngestConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => readIngestConfig({ [name]: value })).toThrow(name);
  });

  it('treats a blank variable as unset and names every bad one with what it got', () => {
    expect(readIngestConfig({ INGEST_OUTAGE_BUDGET_SECONDS: ' ' }).outageBudgetMs).toBe(240_000);
    expect(() => readIngestConfig({ INGEST_OUTAGE_BUDGET_SECONDS: '900', INGEST_MEMO_MAX_ENTRIES: '1e3' })).toThrow(
      new ConfigError(
        'ingest configuration: INGEST_OUTAGE_BUDGET_SECONDS: must be at most 840 (got "900"); INGEST_MEMO_MAX_ENTRIES: must be a whole number from 0 to 10000000 (got "1e3")',
      ),
    );
  });
});
