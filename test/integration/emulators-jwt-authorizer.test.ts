/**
 * Sign-in as API Gateway's JWT authorizer enforces it, through the local gateway against the real
 * local OpenID Connect issuer (its JWKS over HTTP, tokens from its token endpoint after the
 * authorization code + PKCE flow). Tokens that the issuer would never hand out (expired, other
 * audience) are signed with its key by `mintToken`; a wrongly signed one with a key of our own.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { startGateway, type Gateway } from '../../local/emulators/gateway.js';
import { type LocalIssuer, LOCAL_SCRIPTS_CLIENT, startLocalIssuer } from '../../local/emulators/oidc-issuer.js';
import { clientCredentialsToken } from '../../local/tools/client-credentials.js';
import { storeOrders } from '../../shared/db/orders.js';
import { closePool } from '../../shared/db/pool.js';
import { SCOPES } from '../../shared/http/routes.js';
import type { Order } from '../../shared/order/schema.js';
import { createTestDatabase } from '../support/database.js';
import { expectFetchDocumented } from '../support/openapi.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let issuer: LocalIssuer;
let gateway: Gateway;
const [order] = fakeOrders(1, 61) as [Order];

beforeAll(async () => {
  database = await createTestDatabase();
  vi.stubEnv('DATABASE_URL', database.url);
  issuer = await startLocalIssuer({ redirectUris: ['http://127.0.0.1:3000/'] });
  for (const [name, value] of Object.entries(issuer.env)) vi.stubEnv(name, value);
  gateway = await startGateway({ port: 0, auth: issuer.authorizer });
  await storeOrders([order]);
});

afterAll(async () => {
  await gateway?.close();
  await issuer?.close();
  await closePool();
  await database?.drop();
  vi.unstubAllEnvs();
});

/** Every answer, API Gateway's own 401/403 included, is checked against docs/openapi.json. */
const bearer = (token?: string) => (token ? { headers: { authorization: `Bearer ${token}` } } : {});
const get = async (path: string, token?: string) =>
  expectFetchDocumented('GET', `${gateway.url}${path}`, await fetch(`${gateway.url}${path}`, bearer(token)));

async function expectUnauthorized(response: Response, reason: string) {
  expect(response.status).toBe(401);
  expect(await response.json()).toEqual({ message: 'Unauthorized' });
  expect(response.headers.get('www-authenticate')).toBe(`Bearer scope="" error="invalid_token" error_description="${reason}"`);
}

describe('local gateway with the JWT authorizer', () => {
  it('answers 200 with a token from the issuer that carries the route scope', async () => {
    const { accessToken } = await issuer.signIn([SCOPES.read]);
    const response = await get(`/orders/${order.order_uid}`, accessToken);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(order);
    expect(response.headers.get('cache-control')).toBe('private, max-age=300');
    // A bare token (no "Bearer") is accepted too, as by API Gateway.
    expect((await fetch(`${gateway.url}/orders?limit=1`, { headers: { authorization: accessToken } })).status).toBe(200);
  });

  it('never lets a read-only token run the admin operation through HEAD, and answers HEAD on a read route', async () => {
    const { accessToken } = await issuer.signIn([SCOPES.read]);
    const head = async (path: string, token?: string) =>
      expectFetchDocumented('HEAD', `${gateway.url}${path}`, await fetch(`${gateway.url}${path}`, { method: 'HEAD', ...bearer(token) }));
    // GET is refused by the route's authorizer; HEAD reaches $default (read scope) and the function refuses it.
    expect((await get('/cache/stats', accessToken)).status).toBe(403);
    const stats = await head('/cache/stats', accessToken);
    expect(stats.status).toBe(405);
    expect(stats.headers.get('allow')).toBe('GET');
    const found = await head(`/orders/${order.order_uid}`, accessToken);
    expect(found.status).toBe(200);
    expect(found.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
    // $default needs the read scope: HEAD without a token is API Gateway's 401, also on a public GET route.
    expect((await head('/health')).status).toBe(401);
  });

  it('answers 401 without a token', async () => {
    await expectUnauthorized(await get(`/orders/${order.order_uid}`), 'no token was provided');
    await expectUnauthorized(await get('/orders'), 'no token was provided');
    // $default (unknown paths) needs the read scope too, so it says nothing without a token.
    await expectUnauthorized(await get('/nothing/here'), 'no token was provided');
  });

  it('answers 401 for an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    await expectUnauthorized(await get('/orders', await issuer.mintToken({ iat: past - 600, exp: past })), 'the token has expired');
  });

  it('answers 401 for a token that is not valid yet', async () => {
    const soon = Math.floor(Date.now() / 1000) + 600;
    await expectUnauthorized(await get('/orders', await issuer.mintToken({ nbf: soon })), 'the token is not valid yet');
  });

  it('answers 401 for a token signed with another key under the issuer key id', async () => {
    const genuine = await issuer.mintToken();
    const { kid } = JSON.parse(Buffer.from(genuine.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string };
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    expect((await exportJWK(privateKey)).kty).toBe('RSA');
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ sub: 'dev', client_id: issuer.clientId, scope: SCOPES.read })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(issuer.issuer)
      .setAudience(issuer.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(privateKey);
    await expectUnauthorized(await get('/orders', forged), 'the token signature is invalid');
  });

  it('answers 401 for another audience, another issuer, or no audience and another client_id', async () => {
    await expectUnauthorized(
      await get('/orders', await issuer.mintToken({ aud: 'some-other-api' })),
      'the token does not have a valid audience',
    );
    await expectUnauthorized(
      await get('/orders', await issuer.mintToken({ iss: 'https://evil.example' })),
      'the token has an invalid issuer',
    );
    await expectUnauthorized(
      await get('/orders', await issuer.mintToken({ aud: undefined, client_id: 'other-client' })),
      'the token does not have a valid audience',
    );
    // Without `aud`, the client_id decides (as for Cognito access tokens).
    expect((await get('/orders', await issuer.mintToken({ aud: undefined }))).status).toBe(200);
  });

  it("accepts the machine client's client-credentials token on the routes of its scopes, and refuses the others", async () => {
    const machine = (scopes: string[]) => clientCredentialsToken(issuer.scriptsClient, scopes).then((token) => token.accessToken);
    const read = await machine([SCOPES.read]);
    const response = await get(`/orders/${order.order_uid}`, read);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(order);
    expect((await get('/cache/stats', read)).status).toBe(403);
    expect((await get('/cache/stats', await machine([SCOPES.admin]))).status).toBe(200);
    const post = (token: string) =>
      fetch(`${gateway.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: '{}',
      });
    expect((await post(read)).status).toBe(403);
    // Past the authorizer: the submit function's own 400 for an empty order.
    expect((await post(await machine([SCOPES.write]))).status).toBe(400);
  });

  it("accepts a token shaped like Cognito's client-credentials one: no aud, the client id in client_id and sub", async () => {
    const { clientId } = LOCAL_SCRIPTS_CLIENT;
    const claims = { aud: undefined, client_id: clientId, sub: clientId, token_use: 'access', scope: SCOPES.read };
    const cognitoShaped = await issuer.mintToken(claims);
    expect((await get(`/orders/${order.order_uid}`, cognitoShaped)).status).toBe(200);
    // aud decides when present, even when client_id would match.
    const otherAudience = await issuer.mintToken({ aud: 'some-other-api', client_id: clientId });
    await expectUnauthorized(await get('/orders', otherAudience), 'the token does not have a valid audience');
  });

  it('answers 401 for something that is not a JWT', async () => {
    await expectUnauthorized(await get('/orders', 'not-a-token'), 'the token could not be decoded');
  });

  it('answers 403 for a valid token without the route scope', async () => {
    const { accessToken } = await issuer.signIn([SCOPES.read]);
    const stats = await get('/cache/stats', accessToken);
    expect(stats.status).toBe(403);
    expect(await stats.json()).toEqual({ message: 'Forbidden' });
    expect(stats.headers.get('www-authenticate')).toContain('error="insufficient_scope"');

    const writeOnly = await issuer.signIn([SCOPES.write]);
    expect((await get(`/orders/${order.order_uid}`, writeOnly.accessToken)).status).toBe(403);
    const admin = await issuer.signIn([SCOPES.admin]);
    expect((await get('/cache/stats', admin.accessToken)).status).toBe(200);
  });

  it('lets POST /orders through with orders/write (IAM cannot be checked locally) and not without it', async () => {
    const post = async (token?: string) =>
      expectFetchDocumented(
        'POST',
        `${gateway.url}/orders`,
        await fetch(`${gateway.url}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: '{}',
        }),
      );
    await expectUnauthorized(await post(), 'no token was provided');
    expect((await post((await issuer.signIn([SCOPES.read])).accessToken)).status).toBe(403);
    // Past the authorizer: the submit function's own 400 for an empty order.
    expect((await post((await issuer.signIn([SCOPES.write])).accessToken)).status).toBe(400);
  });

  it('serves the page, its assets, health and the sign-in settings without a token', async () => {
    for (const path of ['/', '/app.js', '/app.css', '/health']) expect((await get(path)).status).toBe(200);
    const config = await get('/auth/config');
    expect(config.status).toBe(200);
    expect(await config.json()).toEqual({
      issuer: issuer.issuer,
      client_id: issuer.clientId,
      authorize_url: `${issuer.issuer}/auth`,
      token_url: `${issuer.issuer}/token`,
      logout_url: `${issuer.issuer}/session/end`,
      scopes: 'openid profile orders/read orders/write',
    });
    const csp = config.headers.get('content-security-policy')!;
    expect(csp).toContain(`connect-src 'self' ${issuer.issuer}/token;`);
    expect(csp).toContain(`form-action 'self' ${issuer.issuer};`);
  });
});
