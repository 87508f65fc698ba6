// The functions' settings as the stack deploys them, for the local Lambda service: memory,
// timeout and reserved concurrency from infra/config.ts (read from cdk.json's context, as
// `cdk synth` reads it) and the constructs; the environment is the stack's with the local
// endpoints in place of the AWS ones (DATABASE_URL for the secret, the local broker without
// IAM). test/infra/local-settings.test.ts checks the numbers against the synthesized template.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Construct } from 'constructs';
import { type PipelineConfig, readConfig } from '../../../infra/config.js';
import type { FunctionName } from '../../../infra/bundle.js';
import { METRICS_NAMESPACE } from '../../../shared/metrics.js';

export type LocalFunctionName = Extract<FunctionName, 'ingest' | 'api' | 'submit'>;

export interface FunctionSettings {
  memoryMiB: number;
  timeoutSeconds: number;
  /** Undefined: the function draws on the account's unreserved concurrency. */
  reservedConcurrency?: number;
  environment: Record<string, string>;
  /** A folder with a ready `index.mjs` instead of the function's bundle (tests of the service itself). */
  taskRoot?: string;
}

export interface LocalEndpoints {
  databaseUrl: string;
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

function common(name: LocalFunctionName, endpoints: LocalEndpoints): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: name,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: endpoints.logLevel ?? 'INFO',
    // No X-Ray daemon and no CloudWatch here: tracing off, metrics not printed.
    POWERTOOLS_TRACE_ENABLED: 'false',
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
        DATABASE_URL: endpoints.databaseUrl,
        DB_POOL_MAX: String(consumer.dbPoolMax),
        INGEST_OUTAGE_BUDGET_SECONDS: String(consumer.outageBudgetSeconds),
      },
    },
    api: {
      ...HTTP_FUNCTIONS.api,
      reservedConcurrency: api.reservedConcurrency,
      environment: {
        ...common('api', endpoints),
        DATABASE_URL: endpoints.databaseUrl,
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
  };
}
