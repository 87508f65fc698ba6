/**
 * A local OpenID Connect issuer (oidc-provider) standing in for the Cognito user pool: one
 * development user, one public client for the order page (authorization code + PKCE, no
 * secret), one machine client for scripts and the smoke test (client credentials grant, with a
 * secret: Cognito's app client with client credentials), and the API's three scopes as
 * resource-server scopes, so that access tokens are RS256 JWTs that the local gateway verifies
 * as the API Gateway JWT authorizer would: `iss`, `aud` (the client id, as Cognito's app
 * client), `client_id`, `scope`, `exp`, `kid`. Everything is in memory; keys are new on every start.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { SCOPES } from '../../shared/http/routes.js';
import { memoryAdapterFactory } from './oidc-memory-adapter.js';

export interface LocalIssuerOptions {
  /** 0 or absent: a free port. */
  port?: number;
  host?: string;
  /** Where the page may come back to after sign-in and sign-out (e.g. `http://127.0.0.1:3000/`). */
  redirectUris: readonly string[];
  /** The development user's password; a random one (printed by `npm start`) when absent. */
  password?: string;
  /** Lifetime of access and ID tokens (default one hour). */
  accessTokenTtlSeconds?: number;
}

/** What the local gateway enforces: shared/http/routes.ts scopes, this issuer and audience. */
export interface JwtAuthorizerConfig {
  issuer: string;
  audience: readonly string[];
  jwksUri: string;
}

export interface LocalIssuer {
  issuer: string;
  clientId: string;
  /** The machine client (client credentials grant) and where it asks for tokens. */
  scriptsClient: LocalClientCredentials;
  user: { username: string; password: string };
  authorizer: JwtAuthorizerConfig;
  /** AUTH_* for the read function (GET /auth/config). */
  env: Record<string, string>;
  /** Signs the development user in through the real authorization code + PKCE flow, without a browser. */
  signIn(scopes?: readonly string[]): Promise<{ accessToken: string; idToken: string }>;
  /** A token signed with the issuer's key, with claims overridden (expired, other audience, ...): for tests. */
  mintToken(claims?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/** A client that signs in as itself (OAuth 2.0 client credentials grant, RFC 6749 section 4.4). */
export interface LocalClientCredentials {
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
}

const LOCAL_CLIENT_ID = 'order-page';
/**
 * The machine client of `npm run token` and `npm run smoke`. Its secret is fixed and public on
 * purpose: the issuer listens on loopback only, and a local process can already read every order
 * from the local PostgreSQL (user and password `postgres`) or write to the local Kafka (no auth).
 * In AWS the smoke test's Cognito app client has a generated secret, read at run time.
 */
export const LOCAL_SCRIPTS_CLIENT = { clientId: 'order-scripts', clientSecret: 'local-scripts-secret' } as const;
/** The resource indicator of the API (RFC 8707); its tokens carry the client id as `aud`. */
const API_RESOURCE = 'urn:order-pipeline:api';
const USERNAME = 'dev';
const ALL_SCOPES = [SCOPES.read, SCOPES.write, SCOPES.admin].join(' ');

async function signingKey(): Promise<{ privateJwk: JWK; kid: string }> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  return { privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' }, kid };
}

function configuration(options: LocalIssuerOptions, privateJwk: JWK): Configuration {
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  return {
    adapter: memoryAdapterFactory(),
    clients: [
      {
        client_id: LOCAL_CLIENT_ID,
        client_name: 'Order lookup page (local)',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [...options.redirectUris],
        post_logout_redirect_uris: [...options.redirectUris],
      },
      {
        client_id: LOCAL_SCRIPTS_CLIENT.clientId,
        client_secret: LOCAL_SCRIPTS_CLIENT.clientSecret,
        client_name: 'Scripts and smoke test (local)',
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    jwks: { keys: [privateJwk as never] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    // The token endpoint answers the page's fetch (CORS) from the origins it may return to.
    clientBasedCORS: (_ctx, origin) => options.redirectUris.some((uri) => new URL(uri).origin === origin),
    scopes: ['openid', 'profile'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
    // The page shows who is signed in from the ID token: no userinfo call with an API token.
    conformIdTokenClaims: false,
    ttl: { AccessToken: ttl, ClientCredentials: ttl, IdToken: ttl, Interaction: 600, Session: 8 * 3600, Grant: 8 * 3600 },
    findAccount: (_ctx, sub) =>
      sub === USERNAME ? { accountId: sub, claims: () => ({ sub, name: 'Development User', preferred_username: USERNAME }) } : undefined,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // First-party client: no consent screen; the development user may have every scope.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session, provider } = ctx.oidc;
      const existing = session?.grantIdFor(client!.clientId);
      if (existing) return provider.Grant.find(existing);
      const grant = new provider.Grant({ clientId: client!.clientId, accountId: session!.accountId! });
      grant.addOIDCScope('openid profile');
      grant.addResourceScope(API_RESOURCE, ALL_SCOPES);
      await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource: signOutPage },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        // `aud` is the requesting client's id. oidc-provider always writes `aud` into JWT access
        // tokens (RFC 9068), where Cognito writes only `client_id`; the authorizer accepts either.
        getResourceServerInfo: (_ctx, _resource, client) => ({
          scope: ALL_SCOPES,
          audience: client.clientId,
          accessTokenFormat: 'jwt',
          accessTokenTTL: ttl,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body><h1>${title}</h1>${body}</body></html>`;
}

async function signOutPage(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  ctx.body = page(
    'Sign out of the local issuer?',
    `${form}<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button>`,
  );
}

function loginForm(uid: string, error?: string): string {
  return page(
    'Sign in (local issuer)',
    `${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<p><label>Username <input name="username" id="username" autocomplete="username" value="${USERNAME}" required></label></p>
<p><label>Password <input name="password" id="password" type="password" autocomplete="current-password" required autofocus></label></p>
<p><button type="submit">Sign in</button></p></form>`,
  );
}

async function readForm(request: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** The login step of the authorization request (oidc-provider leaves the UI to the host). */
async function interaction(
  provider: Provider,
  options: { password: string; redirectUris: readonly string[] },
  request: http.IncomingMessage,
  response: http.ServerResponse,
): Promise<void> {
  const details = await provider.interactionDetails(request, response);
  // The login form's answer redirects back to the page: browsers check form-action along the way.
  const formAction = ["'self'", ...new Set(options.redirectUris.map((uri) => new URL(uri).origin))].join(' ');
  const html = (status: number, body: string) =>
    response
      .writeHead(status, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': `default-src 'none'; form-action ${formAction}`,
        'cache-control': 'no-store',
      })
      .end(body);
  const { password } = options;
  if (request.method === 'POST' && request.url?.endsWith('/login')) {
    const form = await readForm(request);
    if (form.get('username') !== USERNAME || form.get('password') !== password) {
      html(401, loginForm(details.uid, 'Wrong username or password.'));
      return;
    }
    await provider.interactionFinished(request, response, { login: { accountId: USERNAME } }, { mergeWithLastSubmission: false });
    return;
  }
  if (details.prompt.name !== 'login') {
    // Consent never needs a person here (loadExistingGrant grants the first-party client).
    await provider.interactionFinished(request, response, { consent: {} }, { mergeWithLastSubmission: true });
    return;
  }
  html(200, loginForm(details.uid));
}

export async function startLocalIssuer(options: LocalIssuerOptions): Promise<LocalIssuer> {
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const issuer = `http://${address}:${port}`;
  const password = options.password ?? randomBytes(9).toString('base64url');
  const { privateJwk, kid } = await signingKey();
  const provider = new Provider(issuer, configuration(options, privateJwk));
  const callback = provider.callback();
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    if (!request.url?.startsWith('/interaction/')) return void callback(request, response);
    interaction(provider, { password, redirectUris: options.redirectUris }, request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`sign-in failed: ${(error as Error).message}`);
    });
  });

  const endpoints = {
    AUTH_ISSUER: issuer,
    AUTH_CLIENT_ID: LOCAL_CLIENT_ID,
    AUTH_AUTHORIZE_URL: `${issuer}/auth`,
    AUTH_TOKEN_URL: `${issuer}/token`,
    AUTH_LOGOUT_URL: `${issuer}/session/end`,
  };
  return {
    issuer,
    clientId: LOCAL_CLIENT_ID,
    scriptsClient: { ...LOCAL_SCRIPTS_CLIENT, tokenUrl: endpoints.AUTH_TOKEN_URL },
    user: { username: USERNAME, password },
    authorizer: { issuer, audience: [LOCAL_CLIENT_ID, LOCAL_SCRIPTS_CLIENT.clientId], jwksUri: `${issuer}/jwks` },
    env: endpoints,
    signIn: (scopes = [SCOPES.read]) => signInWithoutBrowser(endpoints, options.redirectUris[0]!, { username: USERNAME, password }, scopes),
    mintToken: async (claims = {}) => {
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        iss: issuer,
        sub: USERNAME,
        aud: LOCAL_CLIENT_ID,
        client_id: LOCAL_CLIENT_ID,
        scope: SCOPES.read,
        iat: now,
        exp: now + 600,
        jti: randomUUID(),
        ...claims,
      };
      return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid }).sign(await importJWK(privateJwk, 'RS256'));
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The authorization code flow with PKCE over plain HTTP, following redirects and keeping the issuer's cookies. */
async function signInWithoutBrowser(
  endpoints: { AUTH_AUTHORIZE_URL: string; AUTH_TOKEN_URL: string },
  redirectUri: string,
  user: { username: string; password: string },
  scopes: readonly string[],
): Promise<{ accessToken: string; idToken: string }> {
  const cookies = new Map<string, string>();
  const step = async (url: string, init: RequestInit = {}): Promise<string> => {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`sign-in stopped at ${new URL(url).pathname} with HTTP ${response.status}`);
    return new URL(location, url).href;
  };
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL(endpoints.AUTH_AUTHORIZE_URL);
  for (const [name, value] of Object.entries({
    client_id: LOCAL_CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: ['openid', 'profile', ...scopes].join(' '),
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  })) {
    authorize.searchParams.set(name, value);
  }
  const loginPage = await step(authorize.href);
  const resume = await step(`${loginPage}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(user).toString(),
  });
  const back = new URL(await step(resume));
  if (back.searchParams.get('state') !== state || !back.searchParams.get('code'))
    throw new Error(`sign-in came back without a code: ${back.search}`);
  const token = await fetch(endpoints.AUTH_TOKEN_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      redirect_uri: redirectUri,
      client_id: LOCAL_CLIENT_ID,
      code_verifier: verifier,
    }),
  });
  const body = (await token.json()) as { access_token?: string; id_token?: string; error?: string; error_description?: string };
  if (!body.access_token || !body.id_token) throw new Error(`token request failed: ${body.error} ${body.error_description ?? ''}`);
  return { accessToken: body.access_token, idToken: body.id_token };
}
