/**
 * What the API Gateway HTTP API JWT authorizer checks before a route's integration runs, after
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html:
 * the token from `Authorization` (bare or `Bearer <token>`); an RSA signature by the key of the
 * issuer's JWKS named by the `kid` header; `iss`; `aud` against the audience list, or `client_id`
 * when there is no `aud` (Cognito's access tokens, those of the client credentials grant too, have
 * no `aud`: http-api-troubleshooting-jwt.html, "API Gateway validates client_id only if aud is not
 * present"); `exp` after and `nbf`/`iat` before now; and at least one of the route's
 * scopes in `scope` (or `scp`). Failures: 401 `{"message":"Unauthorized"}` with a
 * `www-authenticate` header naming the reason (http-api-troubleshooting-jwt.html shows this
 * shape; the reason texts other than the audience one are ours); a valid token without the
 * scope: 403 `{"message":"Forbidden"}` (API Gateway's body for a denied request; the
 * `insufficient_scope` header wording is modelled on RFC 6750, not taken from AWS text).
 * Routes with IAM authorization (POST /orders) cannot be checked locally: they take a JWT with
 * the route's scope (orders/write) instead.
 */
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { RouteSpec } from '../../shared/http/routes.js';
import type { JwtAuthorizerConfig } from './oidc-issuer.js';

export type AuthorizerResult =
  | { allow: true; jwt: { claims: Record<string, string>; scopes: string[] } }
  | { allow: false; status: 401 | 403; body: { message: string }; headers: Record<string, string> };

const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512'];
/** Tokens judged, so a repeated token costs a map lookup (time claims are checked on every use). */
const MAX_REMEMBERED = 10_000;

const unauthorized = (reason: string): AuthorizerResult => ({
  allow: false,
  status: 401,
  body: { message: 'Unauthorized' },
  headers: { 'www-authenticate': `Bearer scope="" error="invalid_token" error_description="${reason}"` },
});

const forbidden = (scopes: readonly string[]): AuthorizerResult => ({
  allow: false,
  status: 403,
  body: { message: 'Forbidden' },
  headers: {
    'www-authenticate': `Bearer scope="${scopes.join(' ')}" error="insufficient_scope" error_description="expected scopes: [${scopes.join(' ')}]"`,
  },
});

function tokenScopes(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  if (Array.isArray(raw)) return raw.filter((scope): scope is string => typeof scope === 'string');
  return typeof raw === 'string' ? raw.split(' ').filter(Boolean) : [];
}

/** Claims as API Gateway passes them to the function: every value a string. */
const asClaims = (payload: JWTPayload) =>
  Object.fromEntries(
    Object.entries(payload).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : Array.isArray(value) ? `[${value.join(' ')}]` : String(value),
    ]),
  );

/** The reason a token is not valid now, or undefined. */
function timeProblem(payload: JWTPayload, now: number): string | undefined {
  if (typeof payload.exp !== 'number' || payload.exp <= now) return 'the token has expired';
  if (typeof payload.nbf === 'number' && payload.nbf > now) return 'the token is not valid yet';
  if (typeof payload.iat === 'number' && payload.iat > now) return 'the token was issued in the future';
  return undefined;
}

function audienceProblem(payload: JWTPayload, audience: readonly string[]): string | undefined {
  const claimed = payload.aud === undefined ? payload.client_id : payload.aud;
  const values = Array.isArray(claimed) ? claimed : [claimed];
  return values.some((value) => typeof value === 'string' && audience.includes(value))
    ? undefined
    : 'the token does not have a valid audience';
}

/** What one token is, decided once: its signature, issuer and audience do not change with time. */
type Verdict = { payload: JWTPayload; problem?: string; jwt: { claims: Record<string, string>; scopes: string[] } } | { problem: string };

export function jwtAuthorizer(
  config: JwtAuthorizerConfig,
): (route: RouteSpec, authorization: string | undefined) => Promise<AuthorizerResult> {
  const keys = createRemoteJWKSet(new URL(config.jwksUri));
  const verdicts = new Map<string, Verdict>();

  const verify = async (token: string): Promise<Verdict> => {
    try {
      if (!decodeProtectedHeader(token).kid) return { problem: 'the token has no kid' };
      // Time claims are checked on every use, below; here: signature, algorithm, issuer.
      const { payload } = await jwtVerify(token, keys, {
        issuer: config.issuer,
        algorithms: RSA_ALGORITHMS,
        clockTolerance: Number.MAX_SAFE_INTEGER,
      });
      const problem = audienceProblem(payload, config.audience);
      return { payload, ...(problem ? { problem } : {}), jwt: { claims: asClaims(payload), scopes: tokenScopes(payload) } };
    } catch (error) {
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'iss') return { problem: 'the token has an invalid issuer' };
      return { problem: error instanceof errors.JOSEError ? 'the token signature is invalid' : 'the token could not be decoded' };
    }
  };

  return async (route, authorization) => {
    if (route.auth.kind === 'public') return { allow: true, jwt: { claims: {}, scopes: [] } };
    const token = authorization?.replace(/^Bearer\s+/i, '').trim();
    if (!token) return unauthorized('no token was provided');
    let verdict = verdicts.get(token);
    if (!verdict) {
      verdict = await verify(token);
      // Only a verified token is remembered: a failure may be the JWKS being unreachable for a moment.
      if (verdicts.size >= MAX_REMEMBERED) verdicts.clear();
      if ('payload' in verdict) verdicts.set(token, verdict);
    }
    if (!('payload' in verdict)) return unauthorized(verdict.problem);
    const problem = timeProblem(verdict.payload, Math.floor(Date.now() / 1000)) ?? verdict.problem;
    if (problem) return unauthorized(problem);
    const { scopes } = verdict.jwt;
    if (route.auth.scopes.length > 0 && !route.auth.scopes.some((scope) => scopes.includes(scope))) return forbidden(route.auth.scopes);
    return { allow: true, jwt: verdict.jwt };
  };
}
