/**
 * An access token for a machine client: the OAuth 2.0 client credentials grant (RFC 6749
 * section 4.4) at an issuer's token endpoint, with the client id and secret in HTTP Basic
 * authentication (section 2.3.1). The local issuer (local/emulators/oidc-issuer.ts) and Cognito's
 * `/oauth2/token` answer it alike; `npm run token` and `npm run smoke` use it.
 */
import { PipelineError } from '../../shared/errors.js';

export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

export interface ClientToken {
  accessToken: string;
  /** The scopes the issuer granted. */
  scopes: string[];
  expiresInSeconds?: number;
}

/** The token endpoint did not hand out a token with every scope asked for. */
/** unavailable: the issuer did not answer; credentials: it refused the client; defect: a client or issuer set up wrong. */
export class TokenRequestError extends PipelineError {
  override readonly name = 'TokenRequestError';
  constructor(kind: 'unavailable' | 'credentials' | 'defect', message: string) {
    super(kind, message);
  }
}

/** RFC 6749 section 2.3.1: id and secret are form-encoded before they are joined for Basic. */
const basic = ({ clientId, clientSecret }: ClientCredentials) =>
  `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;

export async function clientCredentialsToken(client: ClientCredentials, scopes: readonly string[]): Promise<ClientToken> {
  const response = await fetch(client.tokenUrl, {
    method: 'POST',
    headers: { authorization: basic(client), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}) }).toString(),
    signal: AbortSignal.timeout(10_000),
  }).catch((error: unknown) => {
    throw new TokenRequestError('unavailable', `token endpoint ${client.tokenUrl} unreachable: ${causeOf(error)}`);
  });
  type TokenAnswer = { access_token?: unknown; scope?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
  const body = (await response.json().catch(() => ({}))) as TokenAnswer;
  if (!response.ok || typeof body.access_token !== 'string') {
    const reason = [body.error, body.error_description].filter((part) => typeof part === 'string').join(': ');
    const answered = `${response.status}${reason ? ` ${reason}` : ''}`;
    throw new TokenRequestError('credentials', `token endpoint ${client.tokenUrl} answered ${answered} for client ${client.clientId}`);
  }
  const granted = grantedScopes(body.scope, body.access_token, scopes);
  const missing = scopes.filter((scope) => !granted.includes(scope));
  if (missing.length > 0) {
    const grantedText = granted.join(' ') || 'nothing';
    throw new TokenRequestError('defect', `client ${client.clientId} was not granted ${missing.join(', ')} (granted: ${grantedText})`);
  }
  const expiry = typeof body.expires_in === 'number' ? { expiresInSeconds: body.expires_in } : {};
  return { accessToken: body.access_token, scopes: granted, ...expiry };
}

/**
 * RFC 6749 section 5.1: `scope` may be left out of the answer when it is what was asked for; an
 * issuer that drops a scope it does not know (oidc-provider) leaves it out too, so a JWT access
 * token's own `scope` claim is read then (Cognito's and the local issuer's tokens are JWTs).
 */
function grantedScopes(answered: unknown, accessToken: string, asked: readonly string[]): string[] {
  if (typeof answered === 'string') return answered.split(' ').filter(Boolean);
  try {
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { scope?: unknown };
    return typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
  } catch {
    return [...asked];
  }
}

/** The token endpoint an OpenID Connect issuer publishes in its discovery document. */
export async function discoverTokenUrl(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) }).catch((error: unknown) => {
    throw new TokenRequestError('unavailable', `issuer ${issuer} unreachable: ${causeOf(error)}`);
  });
  const body = (await response.json().catch(() => ({}))) as { token_endpoint?: unknown };
  if (!response.ok || typeof body.token_endpoint !== 'string') {
    throw new TokenRequestError('defect', `issuer ${issuer} has no discovery document (GET ${url}: ${response.status})`);
  }
  return body.token_endpoint;
}

/** fetch's "fetch failed" hides the reason in `cause` (ECONNREFUSED, a DNS error, a timeout). */
export function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
