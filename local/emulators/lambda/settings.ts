// The functions' settings as the stack deploys them, for the local Lambda service: memory,
// timeout and reserved concurrency from infra/config.ts (read from cdk.json's context, as
// `cdk synth` reads it) and the constructs; the environment is the stack's with the local
// endpoints in place of the AWS ones: the secrets in LocalStack (AWS_ENDPOINT_URL), the local CA
// in NODE_EXTRA_CA_CERTS, the local broker without IAM. test/infra/local-settings.test.ts checks
// the numbers against the synthesized template.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Construct } from 'constructs';
import { type PipelineConfig, readConfig } from '../../../infra/config.js';
import type { FunctionName } from '../../../infra/bundle.js';
import { METRICS_NAMESPACE } from '../../../shared/metrics.js';

export type LocalFunctionName = Extract<FunctionName, 'ingest' | 'api' | 'submit' | 'migrate'>;

export interface FunctionSettings {
  memoryMiB: number;
  timeoutSeconds: number;
  /** Undefined: the function draws on the account's unreserved concurrency. */
  reservedConcurrency?: number;
  environment: Record<string, string>;
  /** A folder with a ready `index.mjs` instead of the function's bundle (tests of the service itself). */
  taskRoot?: string;
}

/** How the functions reach the database as deployed: each through its secret, in LocalStack. */
export interface LocalDatabaseSecrets {
  /** AWS_ENDPOINT_URL: the LocalStack that holds the secrets. */
  awsEndpoint: string;
  /** ARNs of the master secret (migrate) and of the runtime roles' secrets (ingest: writer, api: reader). */
  masterSecretArn: string;
  writerSecretArn: string;
  readerSecretArn: string;
  /** NODE_EXTRA_CA_CERTS: the local CA of a TLS server (the stack points it at RDS's CA bundle). */
  caFile?: string;
  /** DB_SSLMODE: `disable` only for a DATABASE_URL server without TLS (default, as deployed: verify-full). */
  sslmode?: 'verify-full' | 'disable';
}

export interface LocalEndpoints {
  /** The secrets (npm start); a URL only for tests and benchmarks that hand a scratch database to every function. */
  database: LocalDatabaseSecrets | { url: string };
  kafkaBrokers: string;
  topic: string;
  /** AUTH_* for the page's sign-in (the local issuer's `env`). */
  auth?: Record<string, string>;
  /** POWERTOOLS_LOG_LEVEL of every function (the stack's: INFO). */
  logLevel?: string;
}

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** The api and submit functions' memory and timeout, as infra/constructs/http-api.ts sets them. */
const HTTP_FUNCTIONS = { api: { memoryMiB: 512, timeoutSeconds: 10 }, submit: { memoryMiB: 256, timeoutSeconds: 10 } } as const;

/** One event poller handles up to 5 concurrent invocations (lambda/latest/dg/kafka-scaling-modes.html). */
const INVOCATIONS_PER_POLLER = 5;

/** The stack's configuration from cdk.json's context, through the same schema `cdk synth` uses. */
export function deployedConfig(context: Record<string, unknown> = {}): PipelineConfig {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const root = new Construct(undefined as unknown as Construct, '');
  for (const [key, value] of Object.entries({ ...cdkJson.context, ...context })) root.node.setContext(key, value);
  return readConfig(root.node);
}

/**
 * Invocations the mapping runs at once: pollers × invocations per poller, capped by the reserved
 * concurrency (the partitions cap it too: one batch per partition at a time, in the dispatcher).
 */
export function mappingConcurrency(config: PipelineConfig = deployedConfig()): number {
  const { maximumPollers, reservedConcurrency } = config.consumer;
  return Math.min(maximumPollers * INVOCATIONS_PER_POLLER, reservedConcurrency);
}

/** The database variables of a function that logs in with `secretArn` (the stack's Database.connect, without DB_NAME: the secret names the local database). */
function databaseEnvironment(
  database: LocalEndpoints['database'],
  secretArn: (secrets: LocalDatabaseSecrets) => string,
): Record<string, string> {
  if ('url' in database) return { DATABASE_URL: database.url };
  return {
    DB_SECRET_ARN: secretArn(database),
    AWS_ENDPOINT_URL: database.awsEndpoint,
    ...(database.caFile ? { NODE_EXTRA_CA_CERTS: database.caFile } : {}),
    ...(database.sslmode === 'disable' ? { DB_SSLMODE: 'disable' } : {}),
  };
}

/** The migrate function's settings (infra/constructs/database.ts): the master login and the roles' secrets. */
function migrateSettings(endpoints: LocalEndpoints): FunctionSettings {
  const { database } = endpoints;
  return {
    memoryMiB: 256,
    timeoutSeconds: 300,
    environment: {
      ...common('migrate', endpoints),
      ...databaseEnvironment(database, (secrets) => secrets.masterSecretArn),
      ...('url' in database ? {} : { DB_WRITER_SECRET_ARN: database.writerSecretArn, DB_READER_SECRET_ARN: database.readerSecretArn }),
      DB_POOL_MAX: '2',
    },
  };
}

function common(name: LocalFunctionName, endpoints: LocalEndpoints): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: name,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: endpoints.logLevel ?? 'INFO',
    // No CloudWatch here: metrics not printed.
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}

export function localFunctionSettings(
  endpoints: LocalEndpoints,
  config: PipelineConfig = deployedConfig(),
): Record<LocalFunctionName, FunctionSettings> {
  const { consumer, api } = config;
  return {
    ingest: {
      memoryMiB: consumer.memoryMiB,
      timeoutSeconds: consumer.timeoutSeconds,
      reservedConcurrency: consumer.reservedConcurrency,
      environment: {
        ...common('ingest', endpoints),
        ...databaseEnvironment(endpoints.database, (secrets) => secrets.writerSecretArn),
        DB_POOL_MAX: String(consumer.dbPoolMax),
        INGEST_OUTAGE_BUDGET_SECONDS: String(consumer.outageBudgetSeconds),
      },
    },
    api: {
      ...HTTP_FUNCTIONS.api,
      reservedConcurrency: api.reservedConcurrency,
      environment: {
        ...common('api', endpoints),
        ...databaseEnvironment(endpoints.database, (secrets) => secrets.readerSecretArn),
        DB_POOL_MAX: String(api.dbPoolMax),
        CACHE_MAX_ENTRIES: String(api.cacheMaxEntries),
        CACHE_MAX_BYTES: String(api.cacheMaxBytes),
        ...(api.cacheTtlSeconds !== undefined ? { CACHE_TTL_SECONDS: String(api.cacheTtlSeconds) } : {}),
        ...endpoints.auth,
      },
    },
    submit: {
      ...HTTP_FUNCTIONS.submit,
      environment: {
        ...common('submit', endpoints),
        KAFKA_BROKERS: endpoints.kafkaBrokers,
        KAFKA_TOPIC: endpoints.topic,
        KAFKA_AUTH: 'none',
      },
    },
    migrate: migrateSettings(endpoints),
  };
}
