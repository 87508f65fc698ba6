import type pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { RolePasswordError, scramVerifier, setRolePasswords } from '../../shared/db/migrate.js';

/** A stand-in for a connected pg client that records the statements it is given (no database). */
function recordingClient(): { client: pg.ClientBase; statements: string[] } {
  const statements: string[] = [];
  const query = vi.fn(async (text: string) => {
    statements.push(text);
    return { rows: [] };
  });
  // Only `query` is used by setRolePasswords.
  return { client: { query } as unknown as pg.ClientBase, statements };
}

describe('scramVerifier', () => {
  it('writes the verifier PostgreSQL itself stores for the password and salt', () => {
    // pg_authid.rolpassword of `CREATE ROLE probe PASSWORD 'pencil'` on PostgreSQL 15 (password_encryption = scram-sha-256).
    const stored =
      'SCRAM-SHA-256$4096:8ykNt0F+bAlAloVkl+nxgQ==$2spLPH8sAuC6VpxWk68TJcBokyaUHTMOh9s1ElHQM4o=:TmhTPgEYffajfStYNRDmYamqkspsLeA1K7JPL84S9Ao=';
    expect(scramVerifier('pencil', Buffer.from('8ykNt0F+bAlAloVkl+nxgQ==', 'base64'))).toBe(stored);
  });

  it('salts each verifier afresh and never contains the password', () => {
    const first = scramVerifier('orders_writer');
    expect(first).not.toContain('orders_writer');
    expect(scramVerifier('orders_writer')).not.toBe(first);
  });

  it.each([[''], ['pässword'], ['tab\tinside']])('refuses %j, which would need SASLprep', (password) => {
    expect(() => scramVerifier(password)).toThrow(RolePasswordError);
  });
});

describe('setRolePasswords', () => {
  it("gives each named role LOGIN and its password's verifier, quoted, and leaves the others alone", async () => {
    const { client, statements } = recordingClient();
    const password = `it's "quoted" $$ \\ ;--`;
    expect(await setRolePasswords(client, { orders_reader: password })).toEqual(['orders_reader']);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(
      /^ALTER ROLE "orders_reader" WITH LOGIN PASSWORD 'SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+'$/,
    );
    expect(statements[0]).not.toContain(password);
  });

  it('sets both roles in a fixed order', async () => {
    const { client, statements } = recordingClient();
    expect(await setRolePasswords(client, { orders_reader: 'r-secret', orders_writer: 'w-secret' })).toEqual([
      'orders_writer',
      'orders_reader',
    ]);
    expect(statements.map((text) => text.split(' ')[2])).toEqual(['"orders_writer"', '"orders_reader"']);
  });
});
