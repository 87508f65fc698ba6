/**
 * Sign-in as a public client (no secret): the OAuth 2.0 authorization code flow with PKCE (RFC 7636) against the
 * issuer GET /auth/config names, through oauth4webapi (maintained, dependency-free): it makes the verifier, state and
 * S256 challenge, checks the redirect's `state` and `iss`, exchanges the code and validates the token response and
 * the ID token's claims (issuer, audience, expiry). No DOM here (app.ts navigates and keeps the tokens in memory), so
 * test/unit/web-sign-in.test.ts runs it against a token endpoint of its own.
 */
import * as oauth from 'oauth4webapi';
import type { Claims } from './claims.js';

/** GET /auth/config (functions/api/handler.ts). */
export interface SignInConfig {
  issuer: string;
  client_id: string;
  authorize_url: string;
  token_url: string;
  logout_url: string | null;
  scopes: string;
}

/** What the tab keeps in sessionStorage across the redirect: the verifier, the state and the page's place. */
export interface PendingSignIn {
  verifier: string;
  state: string;
  hash: string;
}

export interface Tokens {
  accessToken: string;
  idToken?: string;
  claims?: Claims;
}

const authorizationServer = (config: SignInConfig): oauth.AuthorizationServer => ({
  issuer: config.issuer,
  authorization_endpoint: config.authorize_url,
  token_endpoint: config.token_url,
});

const client = (config: SignInConfig): oauth.Client => ({ client_id: config.client_id });

/** Plain HTTP only for a loopback issuer (the local one, local/emulators/oidc-issuer.ts); Cognito's is HTTPS. */
function loopbackHttp(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
}

/** A new sign-in: what to keep until the redirect comes back, and the authorize request's parameters. */
export async function beginSignIn(config: SignInConfig, redirectUri: string, hash: string) {
  const pending: PendingSignIn = { verifier: oauth.generateRandomCodeVerifier(), state: oauth.generateRandomState(), hash };
  const parameters: Record<string, string> = {
    response_type: 'code',
    client_id: config.client_id,
    redirect_uri: redirectUri,
    scope: config.scopes,
    state: pending.state,
    code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: 'S256',
  };
  return { pending, parameters };
}

/** Back from the authorize endpoint (`callback`: the page's URL): the code for tokens, or an error saying why not. */
export async function completeSignIn(
  config: SignInConfig,
  redirectUri: string,
  pending: PendingSignIn,
  callback: URL,
  fetchImpl?: typeof fetch,
): Promise<Tokens> {
  const server = authorizationServer(config);
  const params = oauth.validateAuthResponse(server, client(config), callback, pending.state);
  const options = {
    [oauth.allowInsecureRequests]: loopbackHttp(config.token_url),
    ...(fetchImpl ? { [oauth.customFetch]: fetchImpl } : {}),
  };
  const response = await oauth.authorizationCodeGrantRequest(
    server,
    client(config),
    oauth.None(),
    params,
    redirectUri,
    pending.verifier,
    options,
  );
  const result = await oauth.processAuthorizationCodeResponse(server, client(config), response);
  const claims = oauth.getValidatedIdTokenClaims(result);
  return { accessToken: result.access_token, ...(result.id_token ? { idToken: result.id_token } : {}), ...(claims ? { claims } : {}) };
}

/** The reason a sign-in failed, for a person: the issuer's error code where it sent one. */
export function signInFailure(error: unknown): string {
  if (error instanceof oauth.AuthorizationResponseError || error instanceof oauth.ResponseBodyError) return error.error;
  return error instanceof Error ? error.message : String(error);
}

/** The sign-out request's parameters (Cognito's /logout reads logout_uri, an OpenID provider post_logout_redirect_uri). */
export function signOutParameters(config: SignInConfig, redirectUri: string, idToken: string | undefined): Record<string, string> {
  return {
    client_id: config.client_id,
    logout_uri: redirectUri,
    post_logout_redirect_uri: redirectUri,
    ...(idToken ? { id_token_hint: idToken } : {}),
  };
}
