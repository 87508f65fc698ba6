import { describe, expect, it } from 'vitest';
import { deployedConfig, localFunctionSettings, mappingConcurrency } from '../../local/emulators/lambda/settings.js';

const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:000000000000:secret:order-pipeline/local/${name}-AbCdEf`;
const database = {
  awsEndpoint: 'http://127.0.0.1:4566',
  masterSecretArn: arn('master'),
  writerSecretArn: arn('orders_writer'),
  readerSecretArn: arn('orders_reader'),
  caFile: '/data/postgres/tls/ca.crt',
};
const endpoints = { database, kafkaBrokers: '127.0.0.1:9092', topic: 'orders' };

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
      DB_SECRET_ARN: database.writerSecretArn,
      DB_POOL_MAX: '3',
      INGEST_OUTAGE_BUDGET_SECONDS: '60',
      POWERTOOLS_SERVICE_NAME: 'ingest',
    });
    expect(api).toMatchObject({ memoryMiB: 512, timeoutSeconds: 10, reservedConcurrency: 10 });
    expect(submit.reservedConcurrency).toBeUndefined();
    expect(submit.environment).toMatchObject({ KAFKA_BROKERS: endpoints.kafkaBrokers, KAFKA_TOPIC: 'orders', KAFKA_AUTH: 'none' });
  });

  it('log each function in through its own secret in LocalStack, verifying the local CA, as deployed', () => {
    const { ingest, api, submit, migrate } = localFunctionSettings(endpoints);
    const reach = { AWS_ENDPOINT_URL: database.awsEndpoint, NODE_EXTRA_CA_CERTS: database.caFile };
    expect(ingest.environment).toMatchObject({ DB_SECRET_ARN: database.writerSecretArn, ...reach });
    expect(api.environment).toMatchObject({ DB_SECRET_ARN: database.readerSecretArn, ...reach });
    expect(migrate.environment).toMatchObject({
      DB_SECRET_ARN: database.masterSecretArn,
      DB_WRITER_SECRET_ARN: database.writerSecretArn,
      DB_READER_SECRET_ARN: database.readerSecretArn,
      ...reach,
    });
    expect(migrate).toMatchObject({ memoryMiB: 256, timeoutSeconds: 300 });
    expect(submit.environment).not.toHaveProperty('DB_SECRET_ARN');
    // TLS as deployed (DB_SSLMODE's default: verify-full) ...
    expect(ingest.environment).not.toHaveProperty('DB_SSLMODE');
    // ... unless a DATABASE_URL server of one's own has none.
    const plain = localFunctionSettings({ ...endpoints, database: { ...database, sslmode: 'disable' } });
    expect([plain.ingest, plain.api, plain.migrate].map((settings) => settings.environment.DB_SSLMODE)).toEqual([
      'disable',
      'disable',
      'disable',
    ]);
  });

  it('give no function DATABASE_URL or anything that looks like a password', () => {
    for (const [name, settings] of Object.entries(localFunctionSettings(endpoints))) {
      expect(Object.keys(settings.environment), name).not.toContain('DATABASE_URL');
      for (const [variable, value] of Object.entries(settings.environment)) {
        expect(variable, name).not.toMatch(/PASSWORD|PASSWD|SECRET_ACCESS/i);
        expect(value, `${name} ${variable}`).not.toMatch(/^postgres(ql)?:\/\//);
      }
    }
  });

  it("run the mapping at AWS's concurrency: pollers × 5, capped by the reserved concurrency", () => {
    expect(mappingConcurrency(deployedConfig())).toBe(6);
    expect(mappingConcurrency(deployedConfig({ maximumPollers: 1, ingestReservedConcurrency: 6 }))).toBe(5);
    expect(mappingConcurrency(deployedConfig({ maximumPollers: 12, ingestReservedConcurrency: 12, ingestDbPoolMax: 1 }))).toBe(12);
  });
});
