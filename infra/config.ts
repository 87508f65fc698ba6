/**
 * Everything the deployment can be told, read from CDK context (cdk.json "context" or
 * `-c key=value`) and validated by one zod schema: a bad value fails synth with one error that
 * names every bad key. Every key has a default so that `cdk synth` works offline with no
 * account; docs/deploy.md lists them. Values given with `-c` arrive as strings, values in
 * cdk.json may be numbers, booleans or arrays: both are accepted. The selected stage's entry
 * under `stages` (infra/stages.ts) wins over the top-level keys. Defaults that a function or the
 * local emulator also applies are imported from their schemas, never written here again.
 */
import type { Node } from 'constructs';
import * as z from 'zod';
import { CACHE_SETTINGS } from '../functions/api/order-cache.js';
import { OUTAGE_BUDGET_SECONDS } from '../functions/ingest/config.js';
import { blankAsAbsent, ConfigError, problemsOf } from '../shared/config.js';
import { MAPPING_MAX_RECORD_AGE_SECONDS, MAPPING_RETRY_ATTEMPTS } from '../shared/kafka/mapping.js';
import { DEFAULT_DLQ_TOPIC, DEFAULT_ORDERS_TOPIC } from '../shared/kafka/topics.js';
import { checkConnectionBudget, KAFKA_FUNCTION_MAX_TIMEOUT_SECONDS } from './capacity.js';
import { type Stage, selectStage } from './stages.js';

type SubmitAuth = 'iam' | 'jwt';

interface ExistingVpcConfig {
  vpcId: string;
  vpcCidr: string;
  availabilityZones: string[];
  privateSubnetIds: string[];
}

/** Who signs users in: a Cognito user pool made by the stack, or an issuer you already run. */
type AuthConfig =
  | { kind: 'cognito'; domainPrefix?: string; extraCallbackUrls: string[] }
  | { kind: 'external'; issuer: string; audience: string[]; authorizeUrl: string; tokenUrl: string; logoutUrl?: string };

export interface PipelineConfig {
  /** The stage's name (infra/stages.ts): part of the stack name and of every physical name. */
  stage: string;
  /** The account and region the stage is pinned to; absent: environment-agnostic. */
  env?: Stage['env'];
  /** Prefix of physical names. */
  appName: string;
  /** Zones of a new VPC, so that synth looks nothing up (a pinned stage needs them); absent: two of the region. */
  availabilityZones?: string[];
  /** The MSK cluster's VPC; absent: a new VPC with isolated subnets (see docs/deploy.md). */
  existingVpc?: ExistingVpcConfig;
  /** False: the VPC already has a Secrets Manager interface endpoint with private DNS (docs/deploy.md). */
  createVpcEndpoints: boolean;
  msk: {
    clusterArn: string;
    /** IAM (port 9098) bootstrap brokers, for the submit function's producer. */
    bootstrapBrokers: string;
    topic: string;
    /** The Kafka-topic on-failure destination (same cluster). */
    dlqTopic: string;
    consumerGroupId: string;
    /** The brokers' security group: given, the stack adds the inbound 9098 rule from the submit function. */
    securityGroupId?: string;
    /** Derived from clusterArn: kafka-cluster IAM resources. */
    topicArn: string;
    dlqTopicArn: string;
    groupArn: string;
    /** True while the example cluster of the defaults is in use (a deploy would fail). */
    isExample: boolean;
  };
  consumer: {
    batchSize: number;
    maxBatchingWindowSeconds: number;
    startingPosition: 'TRIM_HORIZON' | 'LATEST';
    minimumPollers: number;
    maximumPollers: number;
    retryAttempts: number;
    maxRecordAgeSeconds: number;
    /** How long one invocation waits for an unreachable database (INGEST_OUTAGE_BUDGET_SECONDS). */
    outageBudgetSeconds: number;
    /** The ingest function's timeout: the budget plus a minute for the batch itself. */
    timeoutSeconds: number;
    reservedConcurrency: number;
    dbPoolMax: number;
    /** Memory decides the CPU share too: 1,769 MB is one vCPU. */
    memoryMiB: number;
  };
  database: {
    instanceClass: string;
    allocatedStorageGiB: number;
    useProxy: boolean;
    /** RDS Proxy: share of max_connections the proxy may open, and may keep idle. */
    proxyMaxConnectionsPercent: number;
    proxyMaxIdleConnectionsPercent: number;
    /** Days between automatic rotations of the generated credentials. */
    rotationDays: number;
    /** Production safeguards: deletion protection, backups, Multi-AZ, snapshot on delete. */
    protect: boolean;
  };
  api: {
    submitAuth: SubmitAuth;
    auth: AuthConfig;
    reservedConcurrency: number;
    dbPoolMax: number;
    throttleRateLimit: number;
    throttleBurstLimit: number;
    cacheMaxEntries: number;
    cacheMaxBytes: number;
    cacheTtlSeconds?: number;
  };
  alarms: {
    email?: string;
    offsetLagThreshold: number;
  };
  logRetentionDays: number;
  /** Any new value re-runs the migrations on the next deploy even when nothing changed. */
  migrateRunId?: string;
  /** The GitHub repository the deploy roles trust (infra/deploy-role-stack.ts). */
  deploy: {
    githubRepository: string;
    /** False: the account already has GitHub's OIDC provider (one per account: a second stage there). */
    createOidcProvider: boolean;
    /** True while the placeholder repository of the defaults is in use. */
    isExample: boolean;
  };
}

/** The same error as the functions' environment variables raise; here each problem names a context key. */
export { ConfigError };

export const EXAMPLE_CLUSTER_ARN = 'arn:aws:kafka:eu-west-1:123456789012:cluster/orders/11111111-2222-3333-4444-555555555555-1';
const EXAMPLE_BOOTSTRAP_BROKERS =
  'b-1.orders.example.c1.kafka.eu-west-1.amazonaws.com:9098,b-2.orders.example.c1.kafka.eu-west-1.amazonaws.com:9098';
/** Seconds an ingest invocation keeps for its batch on top of the outage budget. */
const INGEST_TIMEOUT_MARGIN_SECONDS = 60;
/** The ingest function's own range, capped so that budget + margin stays within the 14-minute limit. */
const OUTAGE_BUDGET_MAX_SECONDS = Math.min(OUTAGE_BUDGET_SECONDS.max, KAFKA_FUNCTION_MAX_TIMEOUT_SECONDS - INGEST_TIMEOUT_MARGIN_SECONDS);
export const EXAMPLE_GITHUB_REPOSITORY = 'your-org/order-pipeline';

const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid> */
const CLUSTER_ARN = /^arn:(aws[a-z-]*):kafka:([a-z0-9-]+):(\d{12}):cluster\/([^/]+)\/([^/]+)$/;
const KAFKA_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

// ---- the schema: one entry per context key ------------------------------------------------

// '' and whitespace count as unset (shared/config.ts blankAsAbsent, as for the functions' variables);
// text is trimmed; numbers and booleans given as strings (`-c`) are converted.
const asNumber = (value: unknown): unknown => {
  const v = blankAsAbsent(value);
  return typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
};
const asBoolean = (value: unknown): unknown => {
  const v = blankAsAbsent(value);
  return typeof v === 'string' && ['true', 'false'].includes(v.trim()) ? v.trim() === 'true' : v;
};
const asList = (value: unknown): unknown => {
  const v = blankAsAbsent(value);
  if (v === undefined) return undefined;
  const items = Array.isArray(v) ? v : String(v).split(',');
  return items.map((item) => String(item).trim()).filter((item) => item.length > 0);
};

const trimmed = () => z.string().trim();
const text = () => z.preprocess(blankAsAbsent, trimmed().optional());
const matching = (pattern: RegExp, message: string) => z.preprocess(blankAsAbsent, trimmed().regex(pattern, message).optional());
const integer = (min: number, max: number) => z.preprocess(asNumber, z.number().int().min(min).max(max).optional());
/** A setting a function or the emulator also reads: its range and default come from there. */
const shared = ({ min, max, fallback }: { min: number; max: number; fallback: number }) =>
  z.preprocess(asNumber, z.number().int().min(min).max(max).default(fallback));
const flag = () => z.preprocess(asBoolean, z.boolean().optional());
const list = () => z.preprocess(asList, z.array(z.string()).optional());
const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess(blankAsAbsent, trimmed().pipe(z.enum(values)).optional());
const url = () =>
  z.preprocess(
    blankAsAbsent,
    trimmed()
      .pipe(z.url({ protocol: /^https?$/ }))
      .optional(),
  );

const ContextSchema = z.object({
  appName: matching(/^[a-z][a-z0-9-]{0,30}$/, 'lowercase letters, digits and hyphens, up to 31'),
  mskClusterArn: matching(CLUSTER_ARN, 'not an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)'),
  mskBootstrapBrokers: text(),
  mskTopic: matching(KAFKA_TOPIC, 'not a Kafka topic name'),
  dlqTopic: matching(KAFKA_TOPIC, 'not a Kafka topic name'),
  consumerGroupId: text(),
  mskSecurityGroupId: text(),
  vpcId: text(),
  vpcCidr: text(),
  availabilityZones: list(),
  privateSubnetIds: list(),
  createVpcEndpoints: flag(),
  batchSize: integer(1, 10_000),
  maxBatchingWindowSeconds: integer(0, 300),
  startingPosition: oneOf(['TRIM_HORIZON', 'LATEST'] as const),
  minimumPollers: integer(1, 200),
  maximumPollers: integer(1, 2000),
  retryAttempts: shared(MAPPING_RETRY_ATTEMPTS),
  maxRecordAgeSeconds: shared(MAPPING_MAX_RECORD_AGE_SECONDS),
  ingestOutageBudgetSeconds: shared({ ...OUTAGE_BUDGET_SECONDS, max: OUTAGE_BUDGET_MAX_SECONDS }),
  ingestReservedConcurrency: integer(1, 1000),
  ingestDbPoolMax: integer(1, 20),
  ingestMemoryMiB: integer(128, 10_240),
  apiReservedConcurrency: integer(1, 1000),
  apiDbPoolMax: integer(1, 20),
  dbInstanceClass: matching(/^[a-z0-9]+\.[a-z0-9]+$/, 'an instance class such as t4g.micro (without "db.")'),
  dbAllocatedStorageGiB: integer(20, 65_536),
  useRdsProxy: flag(),
  proxyMaxConnectionsPercent: integer(1, 100),
  proxyMaxIdleConnectionsPercent: integer(0, 100),
  dbSecretRotationDays: integer(1, 365),
  submitAuth: oneOf(['iam', 'jwt'] as const),
  authIssuer: url(),
  authAudience: list(),
  authAuthorizeUrl: url(),
  authTokenUrl: url(),
  authLogoutUrl: url(),
  authDomainPrefix: matching(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and hyphens (1-63)'),
  authCallbackUrls: z.preprocess(asList, z.array(z.url({ protocol: /^https?$/ })).optional()),
  apiThrottleRateLimit: integer(1, 10_000),
  apiThrottleBurstLimit: integer(1, 5_000),
  cacheMaxEntries: shared(CACHE_SETTINGS.maxEntries),
  cacheMaxBytes: shared(CACHE_SETTINGS.maxBytes),
  // Unset: the function's own default (no expiry); the range is the function's.
  cacheTtlSeconds: integer(CACHE_SETTINGS.ttlSeconds.min, CACHE_SETTINGS.ttlSeconds.max),
  alarmEmail: z.preprocess(blankAsAbsent, trimmed().pipe(z.email()).optional()),
  offsetLagAlarmThreshold: integer(1, 1e12),
  logRetentionDays: z.preprocess(
    asNumber,
    z
      .number()
      .int()
      .refine((days) => LOG_RETENTION_DAYS.includes(days), `one of ${LOG_RETENTION_DAYS.join(', ')} (CloudWatch Logs retention)`)
      .optional(),
  ),
  migrateRunId: text(),
  githubRepository: matching(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'owner/name of the GitHub repository'),
  createGithubOidcProvider: flag(),
});
type Context = z.infer<typeof ContextSchema>;

/** Every context key the app reads. */
const CONTEXT_KEYS = Object.keys(ContextSchema.shape) as Array<keyof Context>;

// ---- reading ------------------------------------------------------------------------------

export function readConfig(node: Node): PipelineConfig {
  const selected = selectStage(node.tryGetContext('stages'), node.tryGetContext('stage'));
  const stage = Array.isArray(selected) ? undefined : selected;
  const settings = stage?.settings ?? {};
  const unknown = Object.keys(settings).filter((key) => !(CONTEXT_KEYS as string[]).includes(key));
  // The stage's own settings win over the top-level keys.
  const contextValue = (key: string): unknown => (key in settings ? settings[key] : node.tryGetContext(key));
  const raw = Object.fromEntries(CONTEXT_KEYS.map((key) => [key, contextValue(key)]));
  const parsed = ContextSchema.safeParse(raw);
  const problems = [
    ...(Array.isArray(selected) ? selected : []),
    ...unknown.map((key) => ({ name: `stages.${stage?.name ?? ''}.${key}`, message: 'not a context key' })),
    ...(parsed.success ? [] : problemsOf(parsed.error)),
  ];
  if (!parsed.success || !stage || problems.length > 0) {
    throw new ConfigError(formatIssues(problems.map(({ name, message }) => ({ key: name, message }))));
  }
  const config = toConfig(parsed.data, stage);
  const crossProblems = [...crossChecks(parsed.data), ...checkConnectionBudget(config)];
  if (crossProblems.length > 0) throw new ConfigError(formatIssues(crossProblems));
  return config;
}

function formatIssues(issues: Array<{ key: string; message: string }>): string {
  return `invalid CDK context (docs/deploy.md lists every key):\n${issues.map(({ key, message }) => `  context ${key}: ${message}`).join('\n')}`;
}

/** Rules between keys; each problem names the key to change. */
function crossChecks(ctx: Context): Array<{ key: string; message: string }> {
  const problems: Array<{ key: string; message: string }> = [];
  if (ctx.vpcId) {
    const zones = ctx.availabilityZones ?? [];
    if (!ctx.vpcCidr)
      problems.push({ key: 'vpcCidr', message: 'required with vpcId (read from context so that synth never looks the VPC up)' });
    if (zones.length < 2) problems.push({ key: 'availabilityZones', message: 'two or more zones required with vpcId' });
    if ((ctx.privateSubnetIds ?? []).length !== zones.length)
      problems.push({ key: 'privateSubnetIds', message: 'one subnet per availability zone, same order' });
  }
  if (ctx.authIssuer) {
    for (const key of ['authAudience', 'authAuthorizeUrl', 'authTokenUrl'] as const) {
      if (!ctx[key] || (Array.isArray(ctx[key]) && ctx[key].length === 0))
        problems.push({ key, message: 'required with authIssuer (an external OpenID Connect issuer)' });
    }
  }
  const topic = ctx.mskTopic ?? DEFAULT_ORDERS_TOPIC;
  if ((ctx.dlqTopic ?? DEFAULT_DLQ_TOPIC) === topic)
    problems.push({ key: 'dlqTopic', message: 'must differ from mskTopic (AWS refuses a destination equal to the source)' });
  if ((ctx.minimumPollers ?? 1) > (ctx.maximumPollers ?? 2))
    problems.push({ key: 'minimumPollers', message: 'must not exceed maximumPollers' });
  return problems.concat(outageChecks(ctx));
}

/** The ingest timeout and the mapping's record age must leave room for the retries to wait out an outage. */
function outageChecks(ctx: Context): Array<{ key: string; message: string }> {
  const timeout = ctx.ingestOutageBudgetSeconds + INGEST_TIMEOUT_MARGIN_SECONDS;
  const retries = ctx.retryAttempts;
  const maxRecordAge = ctx.maxRecordAgeSeconds;
  if (maxRecordAge < (retries + 1) * timeout) {
    return [
      {
        key: 'maxRecordAgeSeconds',
        message: `${maxRecordAge} s is shorter than (retryAttempts + 1) × ingest timeout = ${(retries + 1) * timeout} s: records would expire before their retries`,
      },
    ];
  }
  return [];
}

function toConfig(ctx: Context, { name: stage, env, protect }: Stage): PipelineConfig {
  const clusterArn = ctx.mskClusterArn ?? EXAMPLE_CLUSTER_ARN;
  const budget = ctx.ingestOutageBudgetSeconds;
  return {
    stage,
    ...(env ? { env } : {}),
    appName: ctx.appName ?? 'order-pipeline',
    ...(ctx.vpcId ? { existingVpc: existingVpc(ctx, ctx.vpcId) } : {}),
    ...(!ctx.vpcId && ctx.availabilityZones ? { availabilityZones: ctx.availabilityZones } : {}),
    createVpcEndpoints: ctx.createVpcEndpoints ?? true,
    msk: mskConfig(ctx, stage, clusterArn),
    consumer: {
      batchSize: ctx.batchSize ?? 100,
      maxBatchingWindowSeconds: ctx.maxBatchingWindowSeconds ?? 1,
      startingPosition: ctx.startingPosition ?? 'TRIM_HORIZON',
      minimumPollers: ctx.minimumPollers ?? 1,
      maximumPollers: ctx.maximumPollers ?? 2,
      retryAttempts: ctx.retryAttempts,
      maxRecordAgeSeconds: ctx.maxRecordAgeSeconds,
      outageBudgetSeconds: budget,
      timeoutSeconds: budget + INGEST_TIMEOUT_MARGIN_SECONDS,
      reservedConcurrency: ctx.ingestReservedConcurrency ?? 6,
      dbPoolMax: ctx.ingestDbPoolMax ?? 2,
      memoryMiB: ctx.ingestMemoryMiB ?? 512,
    },
    database: {
      instanceClass: ctx.dbInstanceClass ?? 't4g.micro',
      allocatedStorageGiB: ctx.dbAllocatedStorageGiB ?? 20,
      useProxy: ctx.useRdsProxy ?? false,
      proxyMaxConnectionsPercent: ctx.proxyMaxConnectionsPercent ?? 70,
      proxyMaxIdleConnectionsPercent: ctx.proxyMaxIdleConnectionsPercent ?? 35,
      rotationDays: ctx.dbSecretRotationDays ?? 30,
      protect,
    },
    api: apiConfig(ctx),
    alarms: { ...(ctx.alarmEmail ? { email: ctx.alarmEmail } : {}), offsetLagThreshold: ctx.offsetLagAlarmThreshold ?? 10_000 },
    logRetentionDays: ctx.logRetentionDays ?? (protect ? 90 : 14),
    ...(ctx.migrateRunId ? { migrateRunId: ctx.migrateRunId } : {}),
    deploy: {
      githubRepository: ctx.githubRepository ?? EXAMPLE_GITHUB_REPOSITORY,
      createOidcProvider: ctx.createGithubOidcProvider ?? true,
      isExample: (ctx.githubRepository ?? EXAMPLE_GITHUB_REPOSITORY) === EXAMPLE_GITHUB_REPOSITORY,
    },
  };
}

function existingVpc(ctx: Context, vpcId: string): ExistingVpcConfig {
  return {
    vpcId,
    vpcCidr: ctx.vpcCidr ?? '',
    availabilityZones: ctx.availabilityZones ?? [],
    privateSubnetIds: ctx.privateSubnetIds ?? [],
  };
}

function mskConfig(ctx: Context, stage: string, clusterArn: string): PipelineConfig['msk'] {
  const topic = ctx.mskTopic ?? DEFAULT_ORDERS_TOPIC;
  const dlqTopic = ctx.dlqTopic ?? DEFAULT_DLQ_TOPIC;
  const consumerGroupId = ctx.consumerGroupId ?? `order-pipeline-ingest-${stage}`;
  const arns = kafkaResourceArns(clusterArn, topic, consumerGroupId);
  return {
    clusterArn,
    bootstrapBrokers: ctx.mskBootstrapBrokers ?? EXAMPLE_BOOTSTRAP_BROKERS,
    topic,
    dlqTopic,
    consumerGroupId,
    ...(ctx.mskSecurityGroupId ? { securityGroupId: ctx.mskSecurityGroupId } : {}),
    topicArn: arns.topicArn,
    dlqTopicArn: kafkaResourceArns(clusterArn, dlqTopic, consumerGroupId).topicArn,
    groupArn: arns.groupArn,
    isExample: clusterArn === EXAMPLE_CLUSTER_ARN,
  };
}

function apiConfig(ctx: Context): PipelineConfig['api'] {
  const auth: AuthConfig = ctx.authIssuer
    ? {
        kind: 'external',
        issuer: ctx.authIssuer,
        audience: ctx.authAudience ?? [],
        authorizeUrl: ctx.authAuthorizeUrl ?? '',
        tokenUrl: ctx.authTokenUrl ?? '',
        ...(ctx.authLogoutUrl ? { logoutUrl: ctx.authLogoutUrl } : {}),
      }
    : {
        kind: 'cognito',
        ...(ctx.authDomainPrefix ? { domainPrefix: ctx.authDomainPrefix } : {}),
        extraCallbackUrls: ctx.authCallbackUrls ?? [],
      };
  return {
    submitAuth: ctx.submitAuth ?? 'iam',
    auth,
    reservedConcurrency: ctx.apiReservedConcurrency ?? 10,
    dbPoolMax: ctx.apiDbPoolMax ?? 2,
    throttleRateLimit: ctx.apiThrottleRateLimit ?? 50,
    throttleBurstLimit: ctx.apiThrottleBurstLimit ?? 100,
    cacheMaxEntries: ctx.cacheMaxEntries,
    cacheMaxBytes: ctx.cacheMaxBytes,
    ...(ctx.cacheTtlSeconds !== undefined ? { cacheTtlSeconds: ctx.cacheTtlSeconds } : {}),
  };
}

/**
 * MSK's IAM resources live under the cluster's name and uuid:
 * topic/<cluster>/<uuid>/<topic> and group/<cluster>/<uuid>/<group>.
 * Source: docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html (resources table) and
 * create-iam-access-control-policies.html (example policy).
 */
export function kafkaResourceArns(clusterArn: string, topic: string, group: string): { topicArn: string; groupArn: string } {
  const match = CLUSTER_ARN.exec(clusterArn);
  if (!match) {
    throw new ConfigError(
      `mskClusterArn "${clusterArn}" is not an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)`,
    );
  }
  const [, partition, region, account, name, uuid] = match;
  const prefix = `arn:${partition}:kafka:${region}:${account}`;
  return { topicArn: `${prefix}:topic/${name}/${uuid}/${topic}`, groupArn: `${prefix}:group/${name}/${uuid}/${group}` };
}
