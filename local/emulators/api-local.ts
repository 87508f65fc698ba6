// `npm run api:local`: the read API and the order page on a local HTTP server (local/emulators/gateway.ts)
// against DATABASE_URL. PORT overrides the default port 3000; HOST the loopback address.
import { closePool } from '../../shared/db/pool.js';
import { startGateway } from './gateway.js';

if (!process.env.DATABASE_URL) {
  console.error('api:local: set DATABASE_URL, e.g. postgres://user:pass@127.0.0.1:5432/orders (and run npm run db:migrate once)');
  process.exit(2);
}
const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`api:local: PORT must be a port number, got "${process.env.PORT}"`);
  process.exit(2);
}

const gateway = await startGateway({ port, host: process.env.HOST ?? '127.0.0.1' });
console.log(`api:local: order page and read API on ${gateway.url}/ (POST /orders goes to the submit function; no auth locally)`);

async function shutdown(): Promise<void> {
  await gateway.close();
  await closePool();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
