/**
 * `npm start`: the whole pipeline on this machine, from a fresh clone.
 *   PostgreSQL  DATABASE_URL, or an embedded server that requires TLS (a local CA; data in
 *               .local/postgres, as root under the temporary folder, see postgres-layout.ts) on
 *               POSTGRES_PORT (default: a free port)
 *   LocalStack  AWS_ENDPOINT_URL, or LocalStack's runtime on 127.0.0.1:LOCALSTACK_PORT (default
 *               4566), installed into .tools/localstack (localstack/); it holds the secrets
 *   secrets     the master login and one per runtime role, as the stack creates them (localstack/secrets.ts)
 *   Kafka       KAFKA_BROKERS, or a local broker with its data in .local/kafka (port KAFKA_PORT, default 9092)
 *   Lambda      the functions' bundles in execution environments (local/emulators/lambda/service.ts),
 *               each logging in through its own secret; the migrate function applies migrations/*.sql
 *               and sets the roles' passwords, as the CDK Trigger does at deploy time
 *   emulator    the MSK event-source mapping emulator invoking the ingest function
 *   gateway     the local API gateway (read API, submit, web page) on PORT (default 3000)
 * Ctrl+C stops them in reverse order: in-flight work finishes and is committed, the broker and
 * the database shut down cleanly, no process is left behind. A part that cannot start ends the
 * run with one line (part, cause, fix) and exit code 1, after stopping what did start.
 */
import { join, resolve } from 'node:path';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { DEFAULT_DLQ_TOPIC, DEFAULT_ORDERS_TOPIC } from '../../shared/kafka/topics.js';
import { type LocalIssuer, startLocalIssuer } from '../emulators/oidc-issuer.js';
import type { LambdaService } from '../emulators/lambda/service.js';
import type { LocalDatabaseSecrets } from '../emulators/lambda/settings.js';
import { createTopic, startLocalKafka } from './kafka/broker.js';
import { Lifecycle, type LocalService, provided } from './lifecycle.js';
import { type LocalStack, openLocalStack } from './localstack/runtime.js';
import { createDatabaseSecrets, type DatabaseLogin, type DatabaseSecrets, loginFromUrl, type UrlTls } from './localstack/secrets.js';
import { startLocalPostgres } from './postgres.js';
import { TLS_HOST } from './postgres-tls.js';
import { assertPortFree, freePort, LocalSetupError, oneLine, portFromEnv, renderSetupError, telltaleLine } from './setup-error.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** Where the local servers keep their data (LOCAL_DATA_DIR, default .local/ of the checkout; as root PostgreSQL's lives elsewhere, see postgres-layout.ts). */
const DATA_DIR = resolve(process.env.LOCAL_DATA_DIR || join(ROOT, '.local'));
const say = (line: string) => process.stdout.write(`${line}\n`);
const hidePassword = (url: string) => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
const PORT_REMEDY = (variable: string) => `set ${variable} to a free port (0 picks one), or stop the program that uses it`;

const lifecycle = new Lifecycle((name, error) => process.stderr.write(`could not stop ${name}: ${oneLine(String(error))}\n`));

let stopping = false;

async function shutDown(exitCode: number, message?: string): Promise<never> {
  stopping = true;
  if (exitCode === 0) say('\nstopping...');
  await lifecycle.stopAll();
  if (message) process.stderr.write(`${message}\n`);
  process.exit(exitCode);
}

/** Runs `work`; any error that is not already a LocalSetupError becomes one for `part`. */
async function asPart<T>(part: string, remedy: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof LocalSetupError) throw error;
    throw new LocalSetupError(part, oneLine(error instanceof Error ? error.message : String(error)), remedy);
  }
}

interface Endpoint {
  /** What the banner shows. */
  shown: string;
  /** What the code uses. */
  url: string;
}

interface Database extends Endpoint, UrlTls {
  /** The login the master secret holds. */
  master: DatabaseLogin;
}

function postgresService(): LocalService<Database> {
  const given = process.env.DATABASE_URL;
  if (given) return provided('PostgreSQL', { url: given, shown: hidePassword(given), ...loginFromUrl(given) });
  const port = portFromEnv('POSTGRES_PORT', 0, 'PostgreSQL');
  return {
    name: 'PostgreSQL',
    start: async () => {
      const postgres = await startLocalPostgres({ dataDir: join(DATA_DIR, 'postgres'), port, tls: 'required' });
      const master = { host: TLS_HOST, port: postgres.port, username: 'postgres', password: 'postgres', dbname: 'postgres' };
      const shown = `${postgres.url}   (TLS required; data: ${postgres.dataDir})`;
      const value = { url: postgres.url, shown, master, sslmode: 'verify-full' as const, caFile: postgres.tls!.caFile };
      return { value, stop: () => postgres.stop() };
    },
  };
}

/** LocalStack, the functions' AWS endpoint: AWS_ENDPOINT_URL's, or its runtime started here. */
function localStackService(): LocalService<LocalStack> {
  const port = portFromEnv('LOCALSTACK_PORT', 4566, 'LocalStack');
  return {
    name: 'LocalStack',
    start: async () => {
      const onInstall = (venv: string) => say(`installing LocalStack into ${venv} (once; a minute or two)...`);
      const localStack = await openLocalStack({ port: port || (await freePort()), dataDir: join(DATA_DIR, 'localstack'), onInstall });
      return { value: localStack, stop: () => localStack.stop() };
    },
  };
}

function kafkaService(): LocalService<Endpoint> {
  if (process.env.KAFKA_BROKERS) return provided('Kafka', { url: process.env.KAFKA_BROKERS, shown: process.env.KAFKA_BROKERS });
  const port = portFromEnv('KAFKA_PORT', 9092, 'Kafka');
  return {
    name: 'Kafka',
    start: async () => {
      const kafka = await startLocalKafka({ dataDir: join(DATA_DIR, 'kafka'), port });
      return { value: { url: kafka.brokers, shown: `${kafka.brokers}   (data: ${join(DATA_DIR, 'kafka')})` }, stop: () => kafka.stop() };
    },
  };
}

/** Sign-in: a local OpenID Connect issuer standing in for Cognito; the gateway checks its tokens. */
function issuerService(gatewayPort: number): LocalService<LocalIssuer> {
  const port = portFromEnv('AUTH_PORT', 3001, 'OpenID Connect issuer');
  return {
    name: 'OpenID Connect issuer',
    start: async () => {
      if (port) await assertPortFree(port, 'OpenID Connect issuer', PORT_REMEDY('AUTH_PORT'));
      const redirectUris = [`http://127.0.0.1:${gatewayPort}/`, `http://localhost:${gatewayPort}/`];
      const password = process.env.AUTH_DEV_PASSWORD;
      const issuer = await startLocalIssuer({ port, redirectUris, ...(password ? { password } : {}) });
      return { value: issuer, stop: () => issuer.close() };
    },
  };
}

async function main() {
  const topic = process.env.KAFKA_TOPIC ?? DEFAULT_ORDERS_TOPIC;
  process.once('SIGINT', () => void shutDown(0));
  process.once('SIGTERM', () => void shutDown(0));

  // Checked first, so that a taken gateway port does not surface only after the slow parts started.
  const gatewayPort = portFromEnv('PORT', 3000, 'API gateway');
  if (gatewayPort) await assertPortFree(gatewayPort, 'API gateway', PORT_REMEDY('PORT'));

  // The infrastructure, started together.
  const [postgres, kafka, issuer, localStack] = await lifecycle.startTogether([
    postgresService(),
    kafkaService(),
    issuerService(gatewayPort),
    localStackService(),
  ] as const);
  watchLocalStack(localStack);
  const secrets = await asPart('secrets', `check that LocalStack at ${localStack.endpoint} serves Secrets Manager`, () =>
    createDatabaseSecrets(localStack.endpoint, postgres.master),
  );
  await asPart('Kafka', 'check KAFKA_BROKERS (or unset it to run the local broker)', async () => {
    await createTopic(kafka.url, topic, 6);
    await createTopic(kafka.url, DEFAULT_DLQ_TOPIC, 1);
  });

  const database: LocalDatabaseSecrets = {
    awsEndpoint: localStack.endpoint,
    masterSecretArn: secrets.master,
    writerSecretArn: secrets.roles.orders_writer,
    readerSecretArn: secrets.roles.orders_reader,
    sslmode: postgres.sslmode,
    ...(postgres.caFile ? { caFile: postgres.caFile } : {}),
  };
  const { emulator, gateway, applied } = await startApplications(kafka.url, topic, gatewayPort, issuer, database);
  printBanner({ gatewayUrl: gateway.url, kafka, postgres, issuer, topic, applied, groupId: emulator.groupId, localStack, secrets });
  let last = '';
  setInterval(() => {
    const { recordsCommitted, recordsToDlq } = emulator.stats;
    const line = `consumed ${recordsCommitted} records (${recordsToDlq} to the DLQ)`;
    if (line !== last) say(line);
    last = line;
  }, 5_000).unref();
  setInterval(() => {}, 1 << 30);
}

/** LocalStack ending while npm start runs ends npm start, in one line. */
function watchLocalStack(localStack: LocalStack): void {
  if (!localStack.started) return;
  void localStack.exited.then(() => {
    if (stopping) return;
    const reason = new LocalSetupError(
      'LocalStack',
      `its runtime at ${localStack.endpoint} stopped while npm start ran (${telltaleLine(localStack.output())})`,
      'start npm start again; if it keeps stopping, see its output above and the LocalStack section of docs/local.md',
      'stopped',
    );
    void shutDown(1, renderSetupError(reason, 'npm start'));
  });
}

/** Runs the migrate function's bundle once, as the CDK Trigger runs it during a deploy; how many migrations it applied. */
async function runMigrateFunction(lambda: LambdaService): Promise<number> {
  const result = (await asPart(
    'migrations',
    "see the migrate function's log above; fix the failing migration in migrations/ or the database",
    () => lambda.invoke('migrate', {}),
  )) as { applied?: unknown[] };
  return result.applied?.length ?? 0;
}

/**
 * The functions run as Lambda runs them: their bundles in execution environments of the local
 * Lambda service, each with its own environment variables (the handlers never load here). The
 * migrate function runs first; the emulator invokes ingest through it, the gateway api and submit.
 */
async function startApplications(brokers: string, topic: string, gatewayPort: number, issuer: LocalIssuer, database: LocalDatabaseSecrets) {
  const [{ startLambdaService }, { localFunctionSettings }, { startEmulator }, { startGateway }] = await Promise.all([
    import('../emulators/lambda/service.js'),
    import('../emulators/lambda/settings.js'),
    import('../emulators/esm/emulator.js'),
    import('../emulators/gateway.js'),
  ]);
  // The handlers log every batch and request at INFO; a terminal wants warnings only.
  const logLevel = process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN';
  const functions = localFunctionSettings({ database, kafkaBrokers: brokers, topic, auth: issuer.env, logLevel });
  const lambda = await asPart('Lambda service', 'check the bundle build error above (npm run typecheck)', () =>
    startLambdaService({ functions }),
  );
  lifecycle.register('Lambda service', () => lambda.close());
  const applied = await runMigrateFunction(lambda);
  const emulator = await asPart('event-source mapping emulator', 'check that Kafka and PostgreSQL above are reachable', () =>
    startEmulator({ brokers, topic, dlqTopic: DEFAULT_DLQ_TOPIC, handler: lambda.handler('ingest'), functionName: 'ingest' }),
  );
  lifecycle.register('event-source mapping emulator', () => emulator.stop());
  emulator.failed.catch((error: unknown) => {
    void shutDown(1, `the event-source mapping emulator stopped: ${oneLine((error as Error).message)}`);
  });
  const gatewayFunctions = {
    api: lambda.handler<APIGatewayProxyResultV2>('api'),
    submit: lambda.handler<APIGatewayProxyResultV2>('submit'),
  };
  const gateway = await asPart('API gateway', PORT_REMEDY('PORT'), () =>
    startGateway({ port: gatewayPort, auth: issuer.authorizer, functions: gatewayFunctions }),
  );
  lifecycle.register('API gateway', () => gateway.close());
  return { emulator, gateway, applied };
}

interface BannerFacts {
  gatewayUrl: string;
  kafka: Endpoint;
  postgres: Endpoint;
  localStack: LocalStack;
  secrets: DatabaseSecrets;
  issuer: LocalIssuer;
  topic: string;
  applied: number;
  groupId: string;
}

function printBanner({ gatewayUrl, kafka, postgres, issuer, topic, applied, groupId, localStack, secrets }: BannerFacts): void {
  const { master, roles } = secrets.names;
  say(
    [
      '',
      'The order pipeline runs locally:',
      `  web page and API  ${gatewayUrl}/   (orders: ${gatewayUrl}/orders)`,
      `  sign-in           ${issuer.issuer}   user "${issuer.user.username}", password "${issuer.user.password}" (AUTH_DEV_PASSWORD sets it)`,
      `  Kafka             ${kafka.shown}   topics "${topic}" and "${DEFAULT_DLQ_TOPIC}"`,
      `  PostgreSQL        ${postgres.shown}${applied > 0 ? `   (applied ${applied} migration(s))` : ''}`,
      `  LocalStack        ${localStack.endpoint}${localStack.started ? '' : '   (AWS_ENDPOINT_URL)'}`,
      `  secrets           ${master} (migrate), ${roles.orders_writer} (ingest), ${roles.orders_reader} (api)`,
      `  consumer          event-source mapping emulator → ingest function bundle (group "${groupId}")`,
      '',
      'Next, in another terminal:',
      `  KAFKA_BROKERS=${kafka.url} npm run produce -- --count 1000 --invalid-share 0.05`,
      `  KAFKA_BROKERS=${kafka.url} npm run dlq`,
      `  AWS_ENDPOINT_URL=${localStack.endpoint} npm run awslocal -- secretsmanager list-secrets`,
      '',
      'Ctrl+C stops everything.',
    ].join('\n'),
  );
}

const fail = (error: unknown) => void shutDown(1, renderSetupError(error, 'npm start'));
// Last resort: an error outside main's promise chain (a stray 'error' event) still ends in one line.
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
main().catch(fail);
