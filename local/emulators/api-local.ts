// `npm run api:local`: the read API and the order page on a local HTTP server (local/emulators/gateway.ts)
// against DATABASE_URL, behind the local OpenID Connect issuer (local/emulators/oidc-issuer.ts) as
// the JWT authorizer. PORT overrides the default port 3000, AUTH_PORT the issuer's 3001; HOST the
// loopback address; AUTH_DEV_PASSWORD the development user's password.
import { closePool } from '../../shared/db/pool.js';
import { portFromEnv, renderSetupError } from '../services/setup-error.js';
import { startGateway } from './gateway.js';
import { startLocalIssuer } from './oidc-issuer.js';

if (!process.env.DATABASE_URL) {
  console.error('api:local: set DATABASE_URL, e.g. postgres://user:pass@127.0.0.1:5432/orders (and run npm run db:migrate once)');
  process.exit(2);
}
function ports(): { port: number; authPort: number } {
  try {
    return { port: portFromEnv('PORT', 3000, 'API gateway'), authPort: portFromEnv('AUTH_PORT', 3001, 'OpenID Connect issuer') };
  } catch (error) {
    console.error(`api:local: ${renderSetupError(error)}`);
    process.exit(2);
  }
}
const { port, authPort } = ports();
const host = process.env.HOST ?? '127.0.0.1';

const issuer = await startLocalIssuer({
  port: authPort,
  host,
  redirectUris: [`http://${host}:${port}/`, `http://localhost:${port}/`],
  ...(process.env.AUTH_DEV_PASSWORD ? { password: process.env.AUTH_DEV_PASSWORD } : {}),
});
Object.assign(process.env, issuer.env);
const gateway = await startGateway({ port, host, auth: issuer.authorizer });
console.log(`api:local: order page and read API on ${gateway.url}/ (POST /orders goes to the submit function)`);
console.log(`api:local: sign in as "${issuer.user.username}" with password "${issuer.user.password}" (issuer ${issuer.issuer})`);

async function shutdown(): Promise<void> {
  await gateway.close();
  await issuer.close();
  await closePool();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
