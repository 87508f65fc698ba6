import { describe, expect, it, vi } from 'vitest';
import { connectRetryingPassword, readRolePasswords } from '../../functions/migrate/run-migrations.js';
import { DatabaseConfigError, readDatabaseConfig, type RdsSecret } from '../../shared/db/config.js';

const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;
const rejected = (code: string) => Object.assign(new Error(`server said ${code}`), { code });

describe('connectRetryingPassword', () => {
  it('connects at once when the password works, without bypassing the secret cache', async () => {
    const open = vi.fn(async (refresh: boolean) => `connected (refresh ${refresh})`);
    expect(await connectRetryingPassword(open)).toBe('connected (refresh false)');
    expect(open).toHaveBeenCalledTimes(1);
  });

  it('after a rejected password (28P01) waits longer each time and asks for a fresh secret', async () => {
    const waits: number[] = [];
    const open = vi
      .fn<(refresh: boolean) => Promise<string>>()
      .mockRejectedValueOnce(rejected('28P01'))
      .mockRejectedValueOnce(rejected('28P01'))
      .mockResolvedValueOnce('connected');
    expect(await connectRetryingPassword(open, { delaysMs: [10, 20, 40], wait: async (ms) => waits.push(ms) })).toBe('connected');
    expect(open.mock.calls).toEqual([[false], [true], [true]]);
    expect(waits).toEqual([10, 20]);
  });

  it('gives up with the last error when every attempt is rejected', async () => {
    const open = vi.fn(async () => Promise.reject(rejected('28P01')));
    await expect(connectRetryingPassword(open, { delaysMs: [1, 1], wait: async () => {} })).rejects.toMatchObject({ code: '28P01' });
    expect(open).toHaveBeenCalledTimes(3);
  });

  it.each([['3D000'], ['ECONNREFUSED'], ['28000']])('does not retry other errors (%s)', async (code) => {
    const open = vi.fn(async () => Promise.reject(rejected(code)));
    await expect(connectRetryingPassword(open, { wait: async () => {} })).rejects.toMatchObject({ code });
    expect(open).toHaveBeenCalledTimes(1);
  });
});

describe('readRolePasswords', () => {
  const secrets: Record<string, RdsSecret> = {
    [arn('writer')]: { host: 'db', username: 'orders_writer', password: 'w-password' },
    [arn('reader')]: { host: 'db', username: 'orders_reader', password: 'r-password' },
    [arn('master')]: { host: 'db', username: 'orders_admin', password: 'm-password' },
  };
  const readSecret = vi.fn(async (secretArn: string, _variable: string, _options: { forceFetch: boolean }) => secrets[secretArn]!);
  const aws = { DB_SECRET_ARN: arn('master'), DB_WRITER_SECRET_ARN: arn('writer'), DB_READER_SECRET_ARN: arn('reader') };

  it("reads each role's current password, bypassing the cache", async () => {
    readSecret.mockClear();
    expect(await readRolePasswords(readDatabaseConfig(aws), readSecret)).toEqual({
      orders_writer: 'w-password',
      orders_reader: 'r-password',
    });
    expect(readSecret.mock.calls).toEqual([
      [arn('writer'), 'DB_WRITER_SECRET_ARN', { forceFetch: true }],
      [arn('reader'), 'DB_READER_SECRET_ARN', { forceFetch: true }],
    ]);
  });

  it('requires both role secrets in AWS, naming the missing ones', async () => {
    await expect(readRolePasswords(readDatabaseConfig({ DB_SECRET_ARN: arn('master') }), readSecret)).rejects.toThrow(
      new DatabaseConfigError("the migrate function needs DB_WRITER_SECRET_ARN and DB_READER_SECRET_ARN (the runtime roles' secrets)"),
    );
  });

  it('sets no password locally unless a role secret is given', async () => {
    expect(await readRolePasswords(readDatabaseConfig({ DATABASE_URL: 'postgres://127.0.0.1/orders' }), readSecret)).toEqual({});
  });

  it("refuses a secret that holds another user's credentials", async () => {
    await expect(readRolePasswords(readDatabaseConfig({ ...aws, DB_READER_SECRET_ARN: arn('master') }), readSecret)).rejects.toThrow(
      'DB_READER_SECRET_ARN must hold the credentials of orders_reader',
    );
  });
});
