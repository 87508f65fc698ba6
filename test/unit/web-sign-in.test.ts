/**
 * The page's sign-in without a browser or an issuer: oauth4webapi runs for real; the token endpoint is a function of
 * this test (the issuer itself is exercised by test/e2e/web-page.test.ts in Chromium).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  beginSignIn,
  completeSignIn,
  type SignInConfig,
  signInFailure,
  signOutParameters,
} from '../../functions/api/web/browser/sign-in.js';

const CONFIG: SignInConfig = {
  issuer: 'http://127.0.0.1:4000',
  client_id: 'order-page',
  authorize_url: 'http://127.0.0.1:4000/auth',
  token_url: 'http://127.0.0.1:4000/token',
  logout_url: 'http://127.0.0.1:4000/session/end',
  scopes: 'openid profile orders/read',
};
const REDIRECT = 'http://127.0.0.1:8080/';

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** An ID token as the issuer would send it; oauth4webapi checks its claims, not its signature (it came over TLS). */
function idToken(claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: CONFIG.issuer, aud: CONFIG.client_id, sub: 'dev', name: 'Development User', iat: now, exp: now + 3600, ...claims };
  return `${b64url({ alg: 'RS256', kid: 'k' })}.${b64url(payload)}.c2ln`;
}

function tokenEndpoint(answer: () => Response) {
  const requests: Array<{ url: string; body: URLSearchParams; headers: Headers }> = [];
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(url), body: new URLSearchParams(String(init?.body)), headers: new Headers(init?.headers) });
    return answer();
  }) as typeof fetch;
  return { requests, fetchImpl };
}

const json = (body: object, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const back = (query: string) => new URL(`${REDIRECT}?${query}`);

describe('page sign-in (authorization code flow with PKCE)', () => {
  it('asks for a code with an S256 challenge of a fresh verifier and state', async () => {
    const first = await beginSignIn(CONFIG, REDIRECT, '#/orders/abc');
    const second = await beginSignIn(CONFIG, REDIRECT, '');
    expect(first.pending.verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(first.pending.verifier).not.toBe(second.pending.verifier);
    expect(first.pending.state).not.toBe(second.pending.state);
    expect(first.pending.hash).toBe('#/orders/abc');
    expect(first.parameters).toEqual({
      response_type: 'code',
      client_id: 'order-page',
      redirect_uri: REDIRECT,
      scope: 'openid profile orders/read',
      state: first.pending.state,
      code_challenge: createHash('sha256').update(first.pending.verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
  });

  it('exchanges the code with the verifier and keeps the tokens and the ID token claims', async () => {
    const { pending } = await beginSignIn(CONFIG, REDIRECT, '');
    const id = idToken();
    const endpoint = tokenEndpoint(() => json({ access_token: 'at-1', token_type: 'Bearer', expires_in: 3600, id_token: id }));
    const callback = new URL(`${REDIRECT}?code=c0de&state=${pending.state}&iss=${encodeURIComponent(CONFIG.issuer)}`);
    const tokens = await completeSignIn(CONFIG, REDIRECT, pending, callback, endpoint.fetchImpl);
    expect(tokens).toMatchObject({ accessToken: 'at-1', idToken: id, claims: { name: 'Development User', sub: 'dev' } });
    expect(endpoint.requests).toHaveLength(1);
    const [request] = endpoint.requests;
    expect(request!.url).toBe(CONFIG.token_url);
    expect(Object.fromEntries(request!.body)).toEqual({
      grant_type: 'authorization_code',
      code: 'c0de',
      redirect_uri: REDIRECT,
      code_verifier: pending.verifier,
      client_id: 'order-page',
    });
    // A public client: no secret, no Authorization header.
    expect(request!.headers.has('authorization')).toBe(false);
  });

  it("refuses a redirect with another state, and names the issuer's error", async () => {
    const { pending } = await beginSignIn(CONFIG, REDIRECT, '');
    const endpoint = tokenEndpoint(() => json({}));
    await expect(completeSignIn(CONFIG, REDIRECT, pending, back('code=c0de&state=forged'), endpoint.fetchImpl)).rejects.toThrow(/state/);
    const denied = await completeSignIn(
      CONFIG,
      REDIRECT,
      pending,
      back(`error=access_denied&state=${pending.state}`),
      endpoint.fetchImpl,
    ).catch((error: unknown) => error);
    expect(signInFailure(denied)).toBe('access_denied');
    expect(endpoint.requests).toHaveLength(0);
  });

  it("refuses an ID token from another issuer or for another client, and reads the token endpoint's error", async () => {
    const { pending } = await beginSignIn(CONFIG, REDIRECT, '');
    const callback = new URL(`${REDIRECT}?code=c0de&state=${pending.state}`);
    for (const claims of [{ iss: 'http://127.0.0.1:9999' }, { aud: 'another-client' }, { exp: Math.floor(Date.now() / 1000) - 600 }]) {
      const endpoint = tokenEndpoint(() => json({ access_token: 'at', token_type: 'Bearer', id_token: idToken(claims) }));
      await expect(completeSignIn(CONFIG, REDIRECT, pending, callback, endpoint.fetchImpl)).rejects.toThrow();
    }
    const endpoint = tokenEndpoint(() => json({ error: 'invalid_grant', error_description: 'code expired' }, 400));
    const failure = await completeSignIn(CONFIG, REDIRECT, pending, callback, endpoint.fetchImpl).catch((error: unknown) => error);
    expect(signInFailure(failure)).toBe('invalid_grant');
  });

  it('sends the code over plain HTTP to a loopback issuer only', async () => {
    const remote = { ...CONFIG, issuer: 'http://issuer.example', token_url: 'http://issuer.example/token' };
    const { pending } = await beginSignIn(remote, REDIRECT, '');
    const endpoint = tokenEndpoint(() => json({ access_token: 'at', token_type: 'Bearer' }));
    await expect(completeSignIn(remote, REDIRECT, pending, back(`code=c&state=${pending.state}`), endpoint.fetchImpl)).rejects.toThrow();
    expect(endpoint.requests).toHaveLength(0);
  });

  it('signs out with both logout parameter names and the ID token hint', () => {
    expect(signOutParameters(CONFIG, REDIRECT, 'id.token.x')).toEqual({
      client_id: 'order-page',
      logout_uri: REDIRECT,
      post_logout_redirect_uri: REDIRECT,
      id_token_hint: 'id.token.x',
    });
    expect(signOutParameters(CONFIG, REDIRECT, undefined)).not.toHaveProperty('id_token_hint');
  });
});
