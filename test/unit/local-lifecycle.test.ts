import { describe, expect, it } from 'vitest';
import { Lifecycle, type LocalService, provided } from '../../local/services/lifecycle.js';
import { LocalSetupError } from '../../local/services/setup-error.js';

describe('Lifecycle', () => {
  const service = (name: string, log: string[], fail = false): LocalService<string> => ({
    name,
    start: async () => {
      if (fail) throw new LocalSetupError(name, 'cannot', 'fix it');
      log.push(`start ${name}`);
      return { value: `${name} value`, stop: async () => void log.push(`stop ${name}`) };
    },
  });

  it('returns the values of services started together, and stops them last first', async () => {
    const log: string[] = [];
    const lifecycle = new Lifecycle(() => undefined);
    const values = await lifecycle.startTogether([service('a', log), provided('b', 'given')] as const);
    expect(values).toEqual(['a value', 'given']);
    lifecycle.register('c', async () => void log.push('stop c'));
    await lifecycle.stopAll();
    expect(log).toEqual(['start a', 'stop c', 'stop a']);
  });

  it('throws the failure of one service and still stops its siblings that started', async () => {
    const log: string[] = [];
    const lifecycle = new Lifecycle(() => undefined);
    await expect(lifecycle.startTogether([service('a', log), service('b', log, true)] as const)).rejects.toMatchObject({ part: 'b' });
    await lifecycle.stopAll();
    expect(log).toEqual(['start a', 'stop a']);
  });

  it('reports a stop that fails and goes on with the others', async () => {
    const failures: string[] = [];
    const lifecycle = new Lifecycle((name) => failures.push(name));
    let stopped = false;
    lifecycle.register('first', async () => void (stopped = true));
    lifecycle.register('second', async () => Promise.reject(new Error('stuck')));
    await lifecycle.stopAll();
    expect(failures).toEqual(['second']);
    expect(stopped).toBe(true);
  });
});
