import type { Node } from 'constructs';

/**
 * Everything the deployment can be told, read from CDK context (cdk.json "context" or
 * `-c key=value`). Every key has a default so that `cdk synth` works offline with no account;
 * docs/deploy.md lists them. Values given with `-c` arrive as strings, values in cdk.json may be
 * numbers, booleans or arrays: both are accepted.
 */
export type Stage = 'dev' | 'prod';
export type SubmitAuth = 'iam' | 'jwt';

export interface ExistingVpcConfig {
  vpcId: string;
  vpcCidr: string;
  availabilityZones: string[];
  privateSubnetIds: string[];
}

export interface PipelineConfig {
  stage: Stage;
  /** Prefix of physical names and the stack name. */
  appName: string;
  /** The MSK cluster's VPC; absent: a new VPC with isolated subnets (see docs/deploy.md). */
  existingVpc?: ExistingVpcConfig;
  msk: {
    clusterArn: string;
    /** IAM (port 9098) bootstrap brokers, for the submit function's producer. */
    bootstrapBrokers: string;
    topic: string;
    consumerGroupId: string;
    /** The brokers' security group: given, the stack adds the inbound 9098 rule from the submit function. */
    securityGroupId?: string;
    /** Derived from clusterArn: kafka-cluster IAM resources. */
    topicArn: string;
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
  };
  database: {
    instanceClass: string;
    allocatedStorageGiB: number;
    useProxy: boolean;
    /** Days between automatic rotations of the generated credentials. */
    rotationDays: number;
    /** Production safeguards: deletion protection, backups, Multi-AZ, snapshot on delete. */
    protect: boolean;
  };
  api: {
    submitAuth: SubmitAuth;
    jwtIssuer?: string;
    jwtAudience: string[];
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
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const EXAMPLE_CLUSTER_ARN =
  'arn:aws:kafka:eu-west-1:123456789012:cluster/orders/11111111-2222-3333-4444-555555555555-1';
export const EXAMPLE_BOOTSTRAP_BROKERS =
  'b-1.orders.example.c1.kafka.eu-west-1.amazonaws.com:9098,b-2.orders.example.c1.kafka.eu-west-1.amazonaws.com:9098';

const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid> */
const CLUSTER_ARN = /^arn:(aws[a-z-]*):kafka:([a-z0-9-]+):(\d{12}):cluster\/([^/]+)\/([^/]+)$/;

export function readConfig(node: Node): PipelineConfig {
  const ctx = new ContextReader(node);
  const stage = ctx.oneOf('stage', ['dev', 'prod'] as const, 'dev');
  const prod = stage === 'prod';
  const clusterArn = ctx.string('mskClusterArn', EXAMPLE_CLUSTER_ARN);
  const topic = ctx.string('mskTopic', 'orders');
  const consumerGroupId = ctx.string('consumerGroupId', `order-pipeline-ingest-${stage}`);
  const { topicArn, groupArn } = kafkaResourceArns(clusterArn, topic, consumerGroupId);
  const submitAuth = ctx.oneOf('submitAuth', ['iam', 'jwt'] as const, 'iam');
  const jwtIssuer = ctx.optionalString('jwtIssuer');
  const jwtAudience = ctx.list('jwtAudience', []);
  if (submitAuth === 'jwt' && (!jwtIssuer || jwtAudience.length === 0)) {
    throw new ConfigError('submitAuth=jwt needs jwtIssuer (the issuer URL) and jwtAudience (one or more client ids)');
  }
  const email = ctx.optionalString('alarmEmail');
  const migrateRunId = ctx.optionalString('migrateRunId');
  const securityGroupId = ctx.optionalString('mskSecurityGroupId');
  const cacheTtlSeconds = ctx.optionalInteger('cacheTtlSeconds', 0, 86_400);
  return {
    stage,
    appName: ctx.string('appName', 'order-pipeline'),
    existingVpc: readExistingVpc(ctx),
    msk: {
      clusterArn,
      bootstrapBrokers: ctx.string('mskBootstrapBrokers', EXAMPLE_BOOTSTRAP_BROKERS),
      topic,
      consumerGroupId,
      ...(securityGroupId ? { securityGroupId } : {}),
      topicArn,
      groupArn,
      isExample: clusterArn === EXAMPLE_CLUSTER_ARN,
    },
    consumer: {
      batchSize: ctx.integer('batchSize', 100, 1, 10_000),
      maxBatchingWindowSeconds: ctx.integer('maxBatchingWindowSeconds', 1, 0, 300),
      startingPosition: ctx.oneOf('startingPosition', ['TRIM_HORIZON', 'LATEST'] as const, 'TRIM_HORIZON'),
      minimumPollers: ctx.integer('minimumPollers', 1, 1, 200),
      maximumPollers: ctx.integer('maximumPollers', 2, 1, 2000),
      retryAttempts: ctx.integer('retryAttempts', 10, 0, 10_000),
      maxRecordAgeSeconds: ctx.integer('maxRecordAgeSeconds', 21_600, 60, 604_800),
    },
    database: {
      instanceClass: ctx.string('dbInstanceClass', 't4g.micro'),
      allocatedStorageGiB: ctx.integer('dbAllocatedStorageGiB', 20, 20, 65_536),
      useProxy: ctx.boolean('useRdsProxy', false),
      rotationDays: ctx.integer('dbSecretRotationDays', 30, 1, 365),
      protect: prod,
    },
    api: {
      submitAuth,
      ...(jwtIssuer ? { jwtIssuer } : {}),
      jwtAudience,
      throttleRateLimit: ctx.integer('apiThrottleRateLimit', 50, 1, 10_000),
      throttleBurstLimit: ctx.integer('apiThrottleBurstLimit', 100, 1, 5_000),
      cacheMaxEntries: ctx.integer('cacheMaxEntries', 50_000, 1, 10_000_000),
      cacheMaxBytes: ctx.integer('cacheMaxBytes', 64 * 1024 * 1024, 1024, 2 ** 31),
      ...(cacheTtlSeconds !== undefined ? { cacheTtlSeconds } : {}),
    },
    alarms: {
      ...(email ? { email } : {}),
      offsetLagThreshold: ctx.integer('offsetLagAlarmThreshold', 10_000, 1, 1e12),
    },
    logRetentionDays: ctx.retentionDays('logRetentionDays', prod ? 90 : 14),
    ...(migrateRunId ? { migrateRunId } : {}),
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
    throw new ConfigError(`mskClusterArn "${clusterArn}" is not an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)`);
  }
  const [, partition, region, account, name, uuid] = match;
  const prefix = `arn:${partition}:kafka:${region}:${account}`;
  return { topicArn: `${prefix}:topic/${name}/${uuid}/${topic}`, groupArn: `${prefix}:group/${name}/${uuid}/${group}` };
}

function readExistingVpc(ctx: ContextReader): ExistingVpcConfig | undefined {
  const vpcId = ctx.optionalString('vpcId');
  if (!vpcId) return undefined;
  const existing = {
    vpcId,
    vpcCidr: ctx.optionalString('vpcCidr') ?? '',
    availabilityZones: ctx.list('availabilityZones', []),
    privateSubnetIds: ctx.list('privateSubnetIds', []),
  };
  if (!existing.vpcCidr || existing.availabilityZones.length < 2 || existing.privateSubnetIds.length !== existing.availabilityZones.length) {
    throw new ConfigError(
      'vpcId needs vpcCidr, availabilityZones (two or more) and privateSubnetIds (one per zone, same order): ' +
        'they are read from context so that synth never looks the VPC up',
    );
  }
  return existing;
}

class ContextReader {
  constructor(private readonly node: Node) {}

  private raw(key: string): unknown {
    const value: unknown = this.node.tryGetContext(key);
    return value === '' ? undefined : value;
  }

  string(key: string, fallback: string): string {
    return this.optionalString(key) ?? fallback;
  }

  optionalString(key: string): string | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw new ConfigError(`context ${key} must be a string`);
    return value.trim() || undefined;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.optionalString(key) ?? fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new ConfigError(`context ${key} must be one of ${allowed.join(', ')}, not "${value}"`);
    }
    return value as T;
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    return this.optionalInteger(key, min, max) ?? fallback;
  }

  optionalInteger(key: string, min: number, max: number): number | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return undefined;
    const number = typeof value === 'number' ? value : Number(String(value).trim());
    if (!Number.isInteger(number) || number < min || number > max) {
      throw new ConfigError(`context ${key} must be an integer from ${min} to ${max}, not "${String(value)}"`);
    }
    return number;
  }

  /** CloudWatch Logs accepts these retention periods only. */
  retentionDays(key: string, fallback: number): number {
    const days = this.integer(key, fallback, 1, 3653);
    if (!LOG_RETENTION_DAYS.includes(days)) {
      throw new ConfigError(`context ${key} must be one of ${LOG_RETENTION_DAYS.join(', ')} (CloudWatch Logs retention), not ${days}`);
    }
    return days;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw(key);
    if (value === undefined || value === null) return fallback;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw new ConfigError(`context ${key} must be true or false, not "${String(value)}"`);
  }

  list(key: string, fallback: string[]): string[] {
    const value = this.raw(key);
    if (value === undefined || value === null) return fallback;
    const items = Array.isArray(value) ? value : String(value).split(',');
    return items.map((item) => String(item).trim()).filter((item) => item.length > 0);
  }
}
