/**
 * `npm run token` (local/tools/token.ts) as a real process against the real local issuer on
 * AUTH_PORT, and the client credentials grant it uses (local/tools/client-credentials.ts) at the
 * issuer's real token endpoint. The printed token is judged by the gateway's JWT authorizer.
 */
import { join, resolve } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtAuthorizer } from '../../local/emulators/jwt-authorizer.js';
import { type LocalIssuer, LOCAL_SCRIPTS_CLIENT, startLocalIssuer } from '../../local/emulators/oidc-issuer.js';
import { freePort } from '../../local/services/postgres.js';
import { clientCredentialsToken, TokenRequestError } from '../../local/tools/client-credentials.js';
import { matchRoute, SCOPES } from '../../shared/http/routes.js';
import { nonBlankLines, runToEnd } from '../support/processes.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
let issuer: LocalIssuer;
let port: number;

beforeAll(async () => {
  port = await freePort();
  issuer = await startLocalIssuer({ port, redirectUris: ['http://127.0.0.1:3000/'] });
});

afterAll(async () => {
  await issuer?.close();
});

interface TokenRun {
  code: number | null;
  stdout: string;
  stderrLines: string[];
}

async function token(args: string[], env: Record<string, string> = {}): Promise<TokenRun> {
  const { code, stdout, stderr } = await runToEnd(TSX, ['local/tools/token.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, AUTH_PORT: String(port), ...env },
  });
  return { code, stdout, stderrLines: nonBlankLines(stderr) };
}

// Each run starts a process (tsx, oidc-provider): slow on a busy machine, so one at a time and with room.
describe('npm run token', { timeout: 90_000 }, () => {
  it('prints only a token of the machine client with the scopes asked for, which the JWT authorizer accepts', async () => {
    const outcome = await token(['--scope', SCOPES.read, '--scope', SCOPES.write]);
    expect(outcome.code).toBe(0);
    const lines = outcome.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const claims = decodeJwt(lines[0]!);
    const { clientId } = LOCAL_SCRIPTS_CLIENT;
    expect(claims).toMatchObject({ iss: issuer.issuer, client_id: clientId, sub: clientId, scope: `${SCOPES.read} ${SCOPES.write}` });
    const authorize = jwtAuthorizer(issuer.authorizer);
    expect(await authorize(matchRoute('GET', '/orders/abc').route, `Bearer ${lines[0]}`)).toMatchObject({ allow: true });
    expect(await authorize(matchRoute('POST', '/orders').route, `Bearer ${lines[0]}`)).toMatchObject({ allow: true });
    expect(await authorize(matchRoute('GET', '/cache/stats').route, `Bearer ${lines[0]}`)).toMatchObject({ allow: false, status: 403 });
  });

  it('asks for orders/read when no scope is given', async () => {
    const outcome = await token([]);
    expect(outcome.code).toBe(0);
    expect(decodeJwt(outcome.stdout.trim()).scope).toBe(SCOPES.read);
  });

  it('refuses a scope the API does not have, in one line and with nothing on stdout', async () => {
    const outcome = await token(['--scope', 'orders/delete']);
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderrLines[0]).toBe("unknown scope orders/delete; the API's scopes: orders/read, orders/write, orders/admin");
  });

  it('says which issuer it could not reach', async () => {
    const closed = await freePort();
    const outcome = await token([], { AUTH_PORT: String(closed) });
    expect(outcome.code).toBe(1);
    expect(outcome.stderrLines).toEqual([`issuer http://127.0.0.1:${closed} unreachable: ECONNREFUSED`]);
  });
});

describe('client credentials grant at the local issuer', () => {
  it('refuses a wrong secret and the page client (it has no secret and no client credentials grant)', async () => {
    await expect(clientCredentialsToken({ ...issuer.scriptsClient, clientSecret: 'wrong' }, [SCOPES.read])).rejects.toThrow(
      new TokenRequestError(
        'credentials',
        `token endpoint ${issuer.issuer}/token answered 401 invalid_client: client authentication failed for client order-scripts`,
      ),
    );
    await expect(clientCredentialsToken({ ...issuer.scriptsClient, clientSecret: 'wrong' }, [SCOPES.read])).rejects.toMatchObject({
      kind: 'credentials',
    });
    const pageClient = { ...issuer.scriptsClient, clientId: issuer.clientId };
    await expect(clientCredentialsToken(pageClient, [SCOPES.read])).rejects.toThrow(/answered 401 invalid_client/);
  });

  it('fails when a scope asked for is not granted, rather than handing out a token without it', async () => {
    await expect(clientCredentialsToken(issuer.scriptsClient, [SCOPES.read, 'orders/unknown'])).rejects.toThrow(
      'client order-scripts was not granted orders/unknown (granted: orders/read)',
    );
  });

  it('issues tokens whose audience is the machine client, which the authorizer is configured to accept', async () => {
    const { accessToken, scopes, expiresInSeconds } = await clientCredentialsToken(issuer.scriptsClient, [SCOPES.admin]);
    expect(scopes).toEqual([SCOPES.admin]);
    expect(expiresInSeconds).toBe(3600);
    expect(decodeJwt(accessToken).aud).toBe(LOCAL_SCRIPTS_CLIENT.clientId);
    expect(issuer.authorizer.audience).toEqual([issuer.clientId, LOCAL_SCRIPTS_CLIENT.clientId]);
  });
});
