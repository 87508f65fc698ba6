import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../shared/config.js';
import { connectionFromConfig, fetchRdsSecret, parseRdsSecret, poolSettings, readDatabaseConfig } from '../../shared/db/config.js';

// Secrets Manager cannot exist here: its client (test/unit/db-secrets-manager.test.ts has its own tests) hands out these values.
const secretStrings = new Map<string, string>();
const fetched: string[] = [];
vi.mock('../../shared/db/secrets-manager.js', () => ({
  getSecretString: vi.fn(async (arn: string) => {
    fetched.push(arn);
    return secretStrings.get(arn)!;
  }),
}));

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-master-AbCdEf';
const WRITER_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-writer-AbCdEf';
const READER_ARN = 'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:orders/reader-x1Y2z3';

/** The message of the error that `work` throws (it must throw a ConfigError). */
function errorOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('readDatabaseConfig', () => {
  it('takes DATABASE_URL with the default pool settings', () => {
    expect(readDatabaseConfig({ DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/orders' })).toEqual({
      DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/orders',
      DB_SSLMODE: 'verify-full',
      DB_POOL_MAX: 2,
      DB_CONNECT_TIMEOUT_MS: 5_000,
      DB_STATEMENT_TIMEOUT_MS: 15_000,
    });
  });

  it('takes the AWS variables, numbers as numbers', () => {
    expect(
      readDatabaseConfig({
        DB_SECRET_ARN: ARN,
        DB_HOST: 'proxy.example.internal',
        DB_NAME: 'orders',
        DB_POOL_MAX: '4',
        DB_CONNECT_TIMEOUT_MS: '2000',
        DB_STATEMENT_TIMEOUT_MS: '30000',
        DB_WRITER_SECRET_ARN: WRITER_ARN,
        DB_READER_SECRET_ARN: READER_ARN,
        UNRELATED: 'ignored',
      }),
    ).toEqual({
      DB_SECRET_ARN: ARN,
      DB_SSLMODE: 'verify-full',
      DB_HOST: 'proxy.example.internal',
      DB_NAME: 'orders',
      DB_POOL_MAX: 4,
      DB_CONNECT_TIMEOUT_MS: 2_000,
      DB_STATEMENT_TIMEOUT_MS: 30_000,
      DB_WRITER_SECRET_ARN: WRITER_ARN,
      DB_READER_SECRET_ARN: READER_ARN,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(readDatabaseConfig({ DATABASE_URL: 'postgresql://127.0.0.1/orders', DB_HOST: '', DB_POOL_MAX: '' })).toMatchObject({
      DB_POOL_MAX: 2,
    });
  });

  it('says where the database is to be found when neither DATABASE_URL nor DB_SECRET_ARN is set', () => {
    expect(errorOf(() => readDatabaseConfig({}))).toBe(
      'database configuration: DATABASE_URL: set DATABASE_URL (local) or DB_SECRET_ARN (AWS) to reach the database',
    );
  });

  it('reports a missing location together with the other problems', () => {
    expect(errorOf(() => readDatabaseConfig({ DB_POOL_MAX: 'two' }))).toBe(
      'database configuration: DATABASE_URL: set DATABASE_URL (local) or DB_SECRET_ARN (AWS) to reach the database; DB_POOL_MAX: must be a whole number from 1 to 100 (got "two")',
    );
  });

  it('names every bad variable in one error', () => {
    const message = errorOf(() =>
      readDatabaseConfig({
        DATABASE_URL: 'mysql://u:p@host/db',
        DB_SECRET_ARN: 'orders-db-master',
        DB_POOL_MAX: '0',
        DB_CONNECT_TIMEOUT_MS: '5s',
        DB_STATEMENT_TIMEOUT_MS: '-1',
        DB_READER_SECRET_ARN: 'arn:aws:ssm:eu-west-1:123456789012:parameter/x',
      }),
    );
    expect(message.split('; ')).toEqual([
      'database configuration: DATABASE_URL: must be a postgres:// or postgresql:// URL',
      'DB_SECRET_ARN: must be the ARN of a Secrets Manager secret (arn:aws:secretsmanager:...) (got "orders-db-master")',
      'DB_POOL_MAX: must be at least 1 (got "0")',
      'DB_CONNECT_TIMEOUT_MS: must be a whole number from 100 to 120000 (got "5s")',
      'DB_STATEMENT_TIMEOUT_MS: must be a whole number from 100 to 900000 (got "-1")',
      'DB_READER_SECRET_ARN: must be the ARN of a Secrets Manager secret (arn:aws:secretsmanager:...) (got "arn:aws:ssm:eu-west-1:123456789012:parameter/x")',
    ]);
  });

  it('never repeats the value of DATABASE_URL in its error: a URL may hold a password', () => {
    const message = errorOf(() => readDatabaseConfig({ DATABASE_URL: 'http://user:hunter2@host/db', DB_POOL_MAX: '1000' }));
    expect(message).toBe(
      'database configuration: DATABASE_URL: must be a postgres:// or postgresql:// URL; DB_POOL_MAX: must be at most 100 (got "1000")',
    );
    expect(message).not.toContain('hunter2');
  });
});

describe('parseRdsSecret', () => {
  it('takes the fields of an RDS secret, the port as a number', () => {
    expect(
      parseRdsSecret(
        { engine: 'postgres', host: 'db.internal', port: '5432', username: 'orders_writer', password: 'pw', dbname: 'orders' },
        'DB_SECRET_ARN',
      ),
    ).toEqual({
      host: 'db.internal',
      port: 5432,
      username: 'orders_writer',
      password: 'pw',
      dbname: 'orders',
    });
  });

  it('names the variable and the missing fields, not the values', () => {
    const message = errorOf(() => parseRdsSecret({ host: 'db.internal', username: 'orders_admin', password: '' }, 'DB_SECRET_ARN'));
    expect(message).toBe('DB_SECRET_ARN does not hold an RDS secret: bad or missing password');
    expect(errorOf(() => parseRdsSecret('plain text', 'DB_WRITER_SECRET_ARN'))).toBe(
      'DB_WRITER_SECRET_ARN does not hold an RDS secret: bad or missing JSON object',
    );
  });
});

describe('connectionFromConfig', () => {
  const secret = { host: 'db.internal', port: 5433, username: 'orders_reader', password: 'pw', dbname: 'from_secret' };

  it('uses DATABASE_URL as it is', () => {
    expect(connectionFromConfig(readDatabaseConfig({ DATABASE_URL: 'postgres://127.0.0.1/orders' }))).toEqual({
      connectionString: 'postgres://127.0.0.1/orders',
    });
  });

  it('logs in with the secret over verified TLS, to DB_HOST and DB_NAME when set', () => {
    expect(connectionFromConfig(readDatabaseConfig({ DB_SECRET_ARN: ARN }), secret)).toEqual({
      host: 'db.internal',
      port: 5433,
      user: 'orders_reader',
      password: 'pw',
      database: 'from_secret',
      ssl: { rejectUnauthorized: true, servername: 'db.internal' },
    });
    expect(
      connectionFromConfig(readDatabaseConfig({ DB_SECRET_ARN: ARN, DB_HOST: 'proxy.internal', DB_NAME: 'orders' }), secret),
    ).toMatchObject({
      host: 'proxy.internal',
      database: 'orders',
      ssl: { rejectUnauthorized: true, servername: 'proxy.internal' },
    });
  });
});

describe('poolSettings', () => {
  it('gives the client a second more than the server to cancel a statement', () => {
    expect(poolSettings(readDatabaseConfig({ DATABASE_URL: 'postgres://127.0.0.1/orders', DB_STATEMENT_TIMEOUT_MS: '2000' }))).toEqual({
      max: 2,
      connectionTimeoutMillis: 5_000,
      statement_timeout: 2_000,
      query_timeout: 3_000,
    });
  });
});

describe('fetchRdsSecret', () => {
  const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-cache-AbCdEf';
  it('reads a secret once per container, and afresh when asked to', async () => {
    secretStrings.set(arn, JSON.stringify({ host: 'db', username: 'orders_writer', password: 'one' }));
    fetched.length = 0;
    expect((await fetchRdsSecret(arn, 'DB_SECRET_ARN')).password).toBe('one');
    secretStrings.set(arn, JSON.stringify({ host: 'db', username: 'orders_writer', password: 'two' }));
    expect((await fetchRdsSecret(arn, 'DB_SECRET_ARN')).password).toBe('one');
    expect((await fetchRdsSecret(arn, 'DB_SECRET_ARN', { refresh: true })).password).toBe('two');
    expect(fetched).toEqual([arn, arn]);
  });

  it('names the variable, not the value, when the secret is not JSON', async () => {
    const other = `${arn}-2`;
    secretStrings.set(other, 'hunter2');
    const error = await fetchRdsSecret(other, 'DB_READER_SECRET_ARN').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/DB_READER_SECRET_ARN/);
    expect((error as Error).message).not.toMatch(/hunter2/);
  });
});
