/**
 * `npm run token -- --scope orders/read [--scope …]`: prints an access token of the local issuer
 * that `npm start` runs (on AUTH_PORT, default 3001), and nothing else on stdout, so that
 * `TOKEN=$(npm run -s token -- --scope orders/read)` works. It signs in as the issuer's machine
 * client with the client credentials grant (local/emulators/oidc-issuer.ts), as a script calls
 * an API behind Cognito; the gateway accepts the token as API Gateway's JWT authorizer would.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { LOCAL_SCRIPTS_CLIENT } from '../emulators/oidc-issuer.js';
import { SCOPES } from '../../shared/http/routes.js';
import { clientCredentialsToken, discoverTokenUrl } from './client-credentials.js';
import { exitWith } from './connection-args.js';
import { localEndpoints } from './local-endpoints.js';

const usage = `usage: npm run -s token -- [--scope ${SCOPES.read}] [--scope ${SCOPES.write}] [--scope ${SCOPES.admin}]
                          [--issuer http://127.0.0.1:3001]
  prints an access token of the local issuer (default ${SCOPES.read}); AUTH_PORT as for npm start`;

/** A token of the local issuer's machine client with `scopes`. */
export async function localToken(issuer: string, scopes: readonly string[]): Promise<string> {
  const tokenUrl = await discoverTokenUrl(issuer);
  return (await clientCredentialsToken({ ...LOCAL_SCRIPTS_CLIENT, tokenUrl }, scopes)).accessToken;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { scope: { type: 'string', multiple: true }, issuer: { type: 'string' }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const known = new Set<string>(Object.values(SCOPES));
  const scopes = values.scope ?? [SCOPES.read];
  const unknown = scopes.filter((scope) => !known.has(scope));
  if (unknown.length > 0) throw new Error(`unknown scope ${unknown.join(', ')}; the API's scopes: ${[...known].join(', ')}\n${usage}`);
  process.stdout.write(`${await localToken(values.issuer ?? localEndpoints().issuer, scopes)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main().catch(exitWith);
