import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { readIngestConfig } from '../../functions/ingest/config.js';
import { createIngestHandler, ingestDependencies } from '../../functions/ingest/ingest-handler.js';
import { PersonalDataChecker, personalBatch } from '../fuzz/personal-data.js';
import { useTestDatabase } from '../support/database.js';
import { lambdaContext } from '../support/lambda.js';

// Names, phones, e-mail and street addresses in valid and broken records, through the real
// handler (its logger at DEBUG, every line captured) and the real PostgreSQL; test/fuzz/personal-data.ts
// holds the generators and the property, which `npm run fuzz` runs too.
const database = useTestDatabase();

describe('ingest handler and personal data', () => {
  it('writes no fragment of a name, phone, e-mail or address into any log line, batch response or rejection text', async () => {
    expect(database.url).toBeTruthy();
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
    const handler = createIngestHandler(readIngestConfig(), ingestDependencies());
    const checker = new PersonalDataChecker(handler, lambdaContext, 'orders-personal');
    await checker.learnOrdinaryText();
    await fc.assert(
      fc.asyncProperty(personalBatch, (batch) => checker.check(batch)),
      { numRuns: 40, seed: Number(process.env.FUZZ_SEED ?? 20261201), endOnFailure: true },
    );
    expect(checker.records).toBeGreaterThan(400);
    expect(checker.lines).toBeGreaterThan(checker.records / 2);
  }, 120_000);
});
