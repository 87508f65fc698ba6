/**
 * The local Lambda service runs each function with the memory, timeout and reserved concurrency
 * the stack deploys (local/emulators/lambda/settings.ts), and reaches the database the way the
 * deployed function does (through the same secrets' variables): checked on the synthesized template.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { localFunctionSettings, type LocalFunctionName } from '../../local/emulators/lambda/settings.js';
import { functionByService, synthPipeline, variablesOf } from './synth.js';

let template: ReturnType<typeof synthPipeline>['template'];

beforeAll(() => {
  template = synthPipeline({}, { bundle: false }).template;
}, 300_000);

describe('local function settings against the synthesized stack', () => {
  const local = localFunctionSettings({ database: { url: 'postgres://u:p@h:5432/d' }, kafkaBrokers: 'h:9092', topic: 'orders' });

  it.each(['ingest', 'api', 'submit', 'migrate'] as LocalFunctionName[])(
    '%s: memory, timeout and reserved concurrency as deployed',
    (name) => {
      const [, deployed] = functionByService(template, name);
      expect({ memory: deployed.MemorySize, timeout: deployed.Timeout, reserved: deployed.ReservedConcurrentExecutions }).toEqual({
        memory: local[name].memoryMiB,
        timeout: local[name].timeoutSeconds,
        reserved: local[name].reservedConcurrency,
      });
    },
  );
});

describe('local database variables against the synthesized stack', () => {
  const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:000000000000:secret:${name}-AbCdEf`;
  const database = {
    awsEndpoint: 'http://127.0.0.1:4566',
    masterSecretArn: arn('master'),
    writerSecretArn: arn('writer'),
    readerSecretArn: arn('reader'),
    caFile: '/data/tls/ca.crt',
  };
  const local = localFunctionSettings({ database, kafkaBrokers: 'h:9092', topic: 'orders' });
  // What only AWS has: the database name (locally the secret's), the proxy, the migrations' hash.
  const awsOnly = new Set(['DB_NAME', 'DB_HOST', 'MIGRATIONS_SHA256']);
  const databaseVariables = (names: string[]) =>
    names.filter((name) => /^(DB_|DATABASE_URL$|NODE_EXTRA_CA_CERTS$)/.test(name) && !awsOnly.has(name)).sort();

  it.each(['ingest', 'api', 'submit', 'migrate'] as LocalFunctionName[])('%s: the same database variables as deployed', (name) => {
    const deployed = Object.keys(variablesOf(template, name));
    expect(databaseVariables(Object.keys(local[name].environment))).toEqual(databaseVariables(deployed));
  });
});
