/**
 * Defaults written once: what the stack passes to the functions and the mapping with the default
 * context is what the functions (and the local emulator of the mapping) assume when nothing is
 * set, and a value the context accepts is one the function accepts (and the other way round).
 * The template is the real synth output (bundling skipped: the values are environment variables
 * and mapping properties).
 */
import { App } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { cacheConfigFromEnv } from '../../functions/api/order-cache.js';
import { readIngestConfig } from '../../functions/ingest/config.js';
import { readConfig } from '../../infra/config.js';
import { ESM_DEFAULTS } from '../../local/emulators/esm/options.js';
import { resourcesOf, synthPipeline, variablesOf } from './synth.js';

let template: ReturnType<typeof synthPipeline>['template'];

beforeAll(() => {
  template = synthPipeline({}, { bundle: false }).template;
}, 120_000);

describe('defaults the stack passes and the functions assume', () => {
  it("passes the ingest function's own outage budget", () => {
    const ownDefault = readIngestConfig({}).outageBudgetMs / 1000;
    expect(variablesOf(template, 'ingest').INGEST_OUTAGE_BUDGET_SECONDS).toBe(String(ownDefault));
  });

  it("passes the read function's own cache bounds, and leaves the TTL to its default", () => {
    const own = cacheConfigFromEnv({});
    const variables = variablesOf(template, 'api');
    expect(variables.CACHE_MAX_ENTRIES).toBe(String(own.maxEntries));
    expect(variables.CACHE_MAX_BYTES).toBe(String(own.maxBytes));
    expect(variables.CACHE_TTL_SECONDS).toBeUndefined();
    expect(own.ttlSeconds).toBe(0);
  });

  it("configures the mapping with the emulator's retries and record age", () => {
    const [, mapping] = resourcesOf(template, 'AWS::Lambda::EventSourceMapping')[0]!;
    expect(mapping.MaximumRetryAttempts).toBe(ESM_DEFAULTS.maxRetryAttempts);
    expect((mapping.MaximumRecordAgeInSeconds as number) * 1000).toBe(ESM_DEFAULTS.maxRecordAgeMs);
  });
});

describe('allowed ranges of the context and of the functions', () => {
  const contextAccepts = (key: string, value: string): boolean => {
    try {
      readConfig(new App({ context: { [key]: value } }).node);
      return true;
    } catch {
      return false;
    }
  };
  const functionAccepts = (read: () => unknown): boolean => {
    try {
      read();
      return true;
    } catch {
      return false;
    }
  };
  /** Any whole number, and each edge of a range with its neighbours. */
  const around = (...edges: number[]) =>
    fc.oneof(fc.integer({ min: -5, max: 2 ** 32 }), fc.constantFrom(...edges.flatMap((edge) => [edge - 1, edge, edge + 1])));

  it.each([
    ['cacheMaxEntries', 'CACHE_MAX_ENTRIES', [1, 10_000_000]],
    ['cacheMaxBytes', 'CACHE_MAX_BYTES', [1024, 2 ** 31]],
    ['cacheTtlSeconds', 'CACHE_TTL_SECONDS', [0, 86_400]],
  ] as const)('context %s and %s accept the same whole numbers', (key, variable, edges) => {
    fc.assert(
      fc.property(around(...edges), (value) => {
        expect(contextAccepts(key, String(value))).toBe(functionAccepts(() => cacheConfigFromEnv({ [variable]: String(value) })));
      }),
      { numRuns: 150 },
    );
  });

  it('never passes an outage budget the ingest function refuses', () => {
    fc.assert(
      fc.property(around(0, 780, 840), (value) => {
        if (contextAccepts('ingestOutageBudgetSeconds', String(value))) {
          expect(functionAccepts(() => readIngestConfig({ INGEST_OUTAGE_BUDGET_SECONDS: String(value) }))).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });
});
