/**
 * Sign-in settings the page needs (served by the read function at GET /auth/config), from
 * AUTH_* variables. In AWS they name the user pool's hosted sign-in (the API Gateway JWT
 * authorizer checks the tokens); locally the issuer of local/emulators/oidc-issuer.ts.
 * Either none of the required variables is set (no sign-in: the page cannot read orders), or all.
 */
import * as z from 'zod';
import { SCOPES } from './routes.js';
import { blankAsAbsent, type Env, readEnv } from '../config.js';

export interface AuthConfig {
  issuer: string;
  clientId: string;
  authorizeUrl: string;
  tokenUrl: string;
  logoutUrl?: string | undefined;
  /** What the page asks for: OpenID scopes plus the API's resource-server scopes. */
  scopes: string;
}

const DEFAULT_PAGE_SCOPES = ['openid', 'profile', SCOPES.read, SCOPES.write].join(' ');

const url = z.preprocess(blankAsAbsent, z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional());
const text = z.preprocess(blankAsAbsent, z.string().optional());

const REQUIRED = ['AUTH_ISSUER', 'AUTH_CLIENT_ID', 'AUTH_AUTHORIZE_URL', 'AUTH_TOKEN_URL'] as const;

const authSchema = z
  .object({
    AUTH_ISSUER: url,
    AUTH_CLIENT_ID: text,
    AUTH_AUTHORIZE_URL: url,
    AUTH_TOKEN_URL: url,
    AUTH_LOGOUT_URL: url,
    AUTH_SCOPES: z.preprocess(
      blankAsAbsent,
      z
        .string()
        .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, 'must be scopes separated by single spaces')
        .optional(),
    ),
  })
  .superRefine((env, context) => {
    const set = REQUIRED.filter((name) => env[name] !== undefined);
    if (set.length === 0 || set.length === REQUIRED.length) return;
    for (const name of REQUIRED) {
      if (env[name] === undefined)
        context.addIssue({
          code: 'custom',
          path: [name],
          message: `is required when ${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set`,
        });
    }
  });

/**
 * The sign-in settings, or undefined when none are configured. Throws ConfigError naming each bad variable.
 *
 * @example
 * ```ts
 * const auth = authConfigFromEnv(); // read once, at init
 * if (!auth) throw apiError(404, 'not_found', 'sign-in is not configured');
 * ```
 */
export function authConfigFromEnv(env: Env = process.env): AuthConfig | undefined {
  const parsed = readEnv('auth', authSchema, env);
  if (parsed.AUTH_ISSUER === undefined) return undefined;
  return {
    issuer: parsed.AUTH_ISSUER,
    clientId: parsed.AUTH_CLIENT_ID!,
    authorizeUrl: parsed.AUTH_AUTHORIZE_URL!,
    tokenUrl: parsed.AUTH_TOKEN_URL!,
    logoutUrl: parsed.AUTH_LOGOUT_URL,
    scopes: parsed.AUTH_SCOPES ?? DEFAULT_PAGE_SCOPES,
  };
}
