import { describe, expect, it } from 'vitest';
import { loginFromUrl, secretValue } from '../../local/services/localstack/secrets.js';

describe('the master login of a DATABASE_URL given to npm start', () => {
  it('takes host, port, user, password and database, decoded', () => {
    expect(loginFromUrl('postgres://app%40x:p%2Fw@db.example:6543/orders?sslmode=verify-full').master).toEqual({
      host: 'db.example',
      port: 6543,
      username: 'app@x',
      password: 'p/w',
      dbname: 'orders',
    });
  });

  it('follows the sslmode: none without one or for disable/allow/prefer, verified for require and verify-*', () => {
    const mode = (url: string) => loginFromUrl(url).sslmode;
    expect(mode('postgres://u:p@h/d')).toBe('disable');
    for (const sslmode of ['disable', 'allow', 'prefer']) expect(mode(`postgres://u:p@h/d?sslmode=${sslmode}`)).toBe('disable');
    for (const sslmode of ['require', 'verify-ca', 'verify-full'])
      expect(mode(`postgres://u:p@h/d?sslmode=${sslmode}`)).toBe('verify-full');
  });

  it('makes sslrootcert the CA the functions trust, and defaults port and database as libpq does', () => {
    const { master, caFile } = loginFromUrl('postgresql://u:p@h?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem');
    expect(caFile).toBe('/etc/ca.pem');
    expect(master).toMatchObject({ port: 5432, dbname: 'u' });
  });
});

describe('a secret value', () => {
  it('has the JSON shape RDS writes for an instance secret', () => {
    const login = { host: 'localhost', port: 5432, username: 'orders_writer', password: 'x', dbname: 'postgres' };
    expect(JSON.parse(secretValue(login))).toEqual({ engine: 'postgres', ...login, dbInstanceIdentifier: 'local' });
  });
});
