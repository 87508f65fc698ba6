import { describe, expect, it } from 'vitest';
import { deployedConfig, localFunctionSettings, mappingConcurrency } from '../../local/emulators/lambda/settings.js';

const endpoints = { databaseUrl: 'postgres://u:p@127.0.0.1:5432/orders', kafkaBrokers: '127.0.0.1:9092', topic: 'orders' };

describe('local function settings', () => {
  it('take memory, timeout, reserved concurrency and pool sizes from the stack configuration', () => {
    const config = deployedConfig({
      ingestMemoryMiB: 1769,
      ingestReservedConcurrency: 4,
      ingestDbPoolMax: 3,
      ingestOutageBudgetSeconds: 60,
    });
    const { ingest, api, submit } = localFunctionSettings(endpoints, config);
    expect(ingest).toMatchObject({ memoryMiB: 1769, timeoutSeconds: 120, reservedConcurrency: 4 });
    expect(ingest.environment).toMatchObject({
      DATABASE_URL: endpoints.databaseUrl,
      DB_POOL_MAX: '3',
      INGEST_OUTAGE_BUDGET_SECONDS: '60',
      POWERTOOLS_SERVICE_NAME: 'ingest',
    });
    expect(api).toMatchObject({ memoryMiB: 512, timeoutSeconds: 10, reservedConcurrency: 10 });
    expect(submit.reservedConcurrency).toBeUndefined();
    expect(submit.environment).toMatchObject({ KAFKA_BROKERS: endpoints.kafkaBrokers, KAFKA_TOPIC: 'orders', KAFKA_AUTH: 'none' });
  });

  it("run the mapping at AWS's concurrency: pollers × 5, capped by the reserved concurrency", () => {
    expect(mappingConcurrency(deployedConfig())).toBe(6);
    expect(mappingConcurrency(deployedConfig({ maximumPollers: 1, ingestReservedConcurrency: 6 }))).toBe(5);
    expect(mappingConcurrency(deployedConfig({ maximumPollers: 12, ingestReservedConcurrency: 12, ingestDbPoolMax: 1 }))).toBe(12);
  });
});
