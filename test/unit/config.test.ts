import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ConfigError, readEnv, wholeNumber } from '../../shared/config.js';

/** readEnv: the one way every concern turns its environment variables into settings. */
const schema = z.object({
  PORT: wholeNumber({ min: 1, max: 65_535, fallback: 8080 }),
  LIMIT: wholeNumber({ min: 0, fallback: 10 }),
  TOKEN: z.string({ error: 'is not set' }).min(8, 'must be at least 8 characters'),
});

describe('readEnv', () => {
  it('gives the defaults for unset and blank variables', () => {
    expect(readEnv('demo', schema, { PORT: '', LIMIT: '  ', TOKEN: 'long enough' })).toEqual({
      PORT: 8080,
      LIMIT: 10,
      TOKEN: 'long enough',
    });
  });

  it('names every bad variable with what it got, in one ConfigError', () => {
    const read = () => readEnv('demo', schema, { PORT: '70000', LIMIT: '-3' });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(
      /^demo configuration: PORT: must be at most 65535 \(got "70000"\); LIMIT: must be a whole number, at least 0 \(got "-3"\); TOKEN: is not set$/,
    );
  });

  it('never prints the value of a secret variable', () => {
    // Anchored: the whole message, so the value cannot be anywhere in it.
    expect(() => readEnv('demo', schema, { TOKEN: 'hunter2' }, { secret: ['TOKEN'] })).toThrow(
      /^demo configuration: TOKEN: must be at least 8 characters$/,
    );
  });

  it('reports the cross-variable checks first, together with the schema problems', () => {
    const check = () => [{ name: 'TOKEN', message: 'is needed in production' }];
    expect(() => readEnv('demo', schema, { PORT: 'x', TOKEN: 'long enough' }, { check })).toThrow(
      /^demo configuration: TOKEN: is needed in production \(got "long enough"\); PORT: must be a whole number from 1 to 65535 \(got "x"\)$/,
    );
  });
});
