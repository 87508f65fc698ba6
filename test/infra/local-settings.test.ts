/**
 * The local Lambda service runs each function with the memory, timeout and reserved concurrency
 * the stack deploys (local/emulators/lambda/settings.ts): checked on the synthesized template.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { localFunctionSettings, type LocalFunctionName } from '../../local/emulators/lambda/settings.js';
import { functionByService, synthPipeline } from './synth.js';

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
