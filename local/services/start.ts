import { join, resolve } from 'node:path';
import { DEFAULT_ORDERS_TOPIC } from '../../shared/kafka/client.js';
import { DEFAULT_DLQ_TOPIC } from '../emulators/esm/dlq-record.js';
import { createTopic, type LocalKafka, startLocalKafka } from './kafka/broker.js';
import { type LocalPostgres, startLocalPostgres } from './postgres.js';

/**
 * `npm start`: the whole pipeline on this machine, from a fresh clone.
 *   PostgreSQL  DATABASE_URL, or an embedded server with its data in .local/postgres
 *   migrations  migrations/*.sql
 *   Kafka       KAFKA_BROKERS, or a local broker with its data in .local/kafka (port KAFKA_PORT, default 9092)
 *   emulator    the MSK event-source mapping emulator invoking functions/ingest/handler.ts
 *   gateway     the local API gateway (read API, submit, web page) on PORT (default 3000)
 * Ctrl+C stops them in reverse order: in-flight work finishes and is committed, the broker and
 * the database shut down cleanly, no process is left behind.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const say = (line: string) => process.stdout.write(`${line}\n`);

const stops: Array<[string, () => Promise<void>]> = [];
let stopping = false;
async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('\nstopping...');
  for (const [name, stop] of stops.reverse()) {
    await stop().catch((error: unknown) => process.stderr.write(`could not stop ${name}: ${String(error)}\n`));
  }
  process.exit(exitCode);
}

async function main() {
  // The handlers log every batch and request at INFO; a terminal wants warnings only.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const topic = process.env.KAFKA_TOPIC ?? DEFAULT_ORDERS_TOPIC;
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  const [databaseUrl, brokers] = await Promise.all([
    (async () => {
      if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
      const postgres: LocalPostgres = await startLocalPostgres({ dataDir: join(ROOT, '.local', 'postgres') });
      stops.push(['PostgreSQL', () => postgres.stop()]);
      return postgres.url;
    })(),
    (async () => {
      if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS;
      const kafka: LocalKafka = await startLocalKafka({ dataDir: join(ROOT, '.local', 'kafka'), port: Number(process.env.KAFKA_PORT ?? 9092) });
      stops.push(['Kafka', () => kafka.stop()]);
      return kafka.brokers;
    })(),
  ]);
  process.env.DATABASE_URL = databaseUrl;
  process.env.KAFKA_BROKERS = brokers;

  const { migrateUp } = await import('../../shared/db/migrate.js');
  const applied = await migrateUp({ connection: databaseUrl, dir: join(ROOT, 'migrations') });
  await createTopic(brokers, topic, 6);
  await createTopic(brokers, DEFAULT_DLQ_TOPIC, 1);

  // Sign-in: a local OpenID Connect issuer; the gateway checks its tokens (AUTH_* tell the page where it is).
  const { startLocalIssuer } = await import('../emulators/oidc-issuer.js');
  const pagePort = Number(process.env.PORT ?? 3000);
  const issuer = await startLocalIssuer({ port: Number(process.env.AUTH_PORT ?? 3001), redirectUris: [`http://127.0.0.1:${pagePort}/`, `http://localhost:${pagePort}/`], ...(process.env.AUTH_DEV_PASSWORD ? { password: process.env.AUTH_DEV_PASSWORD } : {}) });
  stops.push(['OpenID Connect issuer', () => issuer.close()]);
  Object.assign(process.env, issuer.env);

  // Imported now: the handlers read their environment when they load.
  const [{ handler }, { startEmulator }, { startGateway }, { closePool }] = await Promise.all([
    import('../../functions/ingest/handler.js'),
    import('../emulators/esm/emulator.js'),
    import('../emulators/gateway.js'),
    import('../../shared/db/pool.js'),
  ]);
  stops.push(['database pool', () => closePool()]);
  const emulator = await startEmulator({ brokers, topic, dlqTopic: DEFAULT_DLQ_TOPIC, handler });
  stops.push(['event-source mapping emulator', () => emulator.stop()]);
  emulator.failed.catch((error: unknown) => {
    process.stderr.write(`the event-source mapping emulator stopped: ${(error as Error).message}\n`);
    void stopAll(1);
  });
  const gateway = await startGateway({ port: pagePort, auth: issuer.authorizer });
  stops.push(['API gateway', () => gateway.close()]);

  const shownDatabase = databaseUrl.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  say(
    [
      '',
      'The order pipeline runs locally:',
      `  web page and API  ${gateway.url}/   (orders: ${gateway.url}/orders)`,
      `  sign-in           ${issuer.issuer}   user "${issuer.user.username}", password "${issuer.user.password}" (AUTH_DEV_PASSWORD sets it)`,
      `  Kafka             ${brokers}   topics "${topic}" and "${DEFAULT_DLQ_TOPIC}"`,
      `  PostgreSQL        ${shownDatabase}${applied.length > 0 ? `   (applied ${applied.length} migration(s))` : ''}`,
      `  consumer          event-source mapping emulator → functions/ingest/handler.ts (group "${emulator.groupId}")`,
      '',
      'Next, in another terminal:',
      `  KAFKA_BROKERS=${brokers} npm run produce -- --count 1000 --invalid-share 0.05`,
      `  KAFKA_BROKERS=${brokers} npm run dlq`,
      '',
      'Ctrl+C stops everything.',
    ].join('\n'),
  );
  let last = '';
  setInterval(() => {
    const { recordsCommitted, recordsToDlq } = emulator.stats;
    const line = `consumed ${recordsCommitted} records (${recordsToDlq} to the DLQ)`;
    if (line !== last) say(line);
    last = line;
  }, 5_000).unref();
  setInterval(() => {}, 1 << 30);
}

main().catch(async (error: unknown) => {
  process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  await stopAll(1);
});
