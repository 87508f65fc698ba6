import { describe, expect, it } from 'vitest';
import { IngestConfigError, readIngestConfig } from '../../functions/ingest/config.js';

describe('readIngestConfig', () => {
  it('defaults to a 240 s outage budget and 100,000 remembered records', () => {
    expect(readIngestConfig({})).toEqual({ outageBudgetMs: 240_000, memoMaxEntries: 100_000 });
  });

  it('reads the variables', () => {
    expect(readIngestConfig({ INGEST_OUTAGE_BUDGET_SECONDS: '20', INGEST_MEMO_MAX_ENTRIES: '0' })).toEqual({ outageBudgetMs: 20_000, memoMaxEntries: 0 });
  });

  it.each([['INGEST_OUTAGE_BUDGET_SECONDS', 'soon'], ['INGEST_OUTAGE_BUDGET_SECONDS', '900'], ['INGEST_MEMO_MAX_ENTRIES', '-1']])(
    'refuses %s=%s with an error naming the variable',
    (name, value) => {
      expect(() => readIngestConfig({ [name]: value })).toThrow(IngestConfigError);
      expect(() => readIngestConfig({ [name]: value })).toThrow(name);
    },
  );
});
