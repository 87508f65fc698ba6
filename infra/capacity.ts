/**
 * The arithmetic behind docs/capacity.md and the connection budget that `readConfig` enforces:
 * pure functions of the configuration, so synth, the tests and the docs use the same numbers.
 */

/**
 * Functions triggered by Amazon MSK or self-managed Kafka mappings may have at most a 14-minute
 * timeout (docs.aws.amazon.com/lambda/latest/dg/with-msk-configure.html, note under "Using an
 * Amazon MSK cluster as an event source").
 */
export const KAFKA_FUNCTION_MAX_TIMEOUT_SECONDS = 14 * 60;

/**
 * RDS for PostgreSQL's default: max_connections = LEAST(DBInstanceClassMemory / 9531392, 5000)
 * (docs.aws.amazon.com/prescriptive-guidance/latest/tuning-postgresql-parameters/max-connections.html).
 * DBInstanceClassMemory is the class's memory minus what RDS keeps for the OS and its own
 * processes; we plan with 75 % of the nominal memory (a db.t4g.micro then gives 84, not the
 * nominal 112). Check `SHOW max_connections;` after the first deploy.
 */
const BYTES_PER_CONNECTION = 9_531_392;
const CLASS_MEMORY_SHARE = 0.75;
const RDS_CONNECTION_CAP = 5000;

/** Slots no application role can use: superuser_reserved_connections (3) + rds.rds_superuser_reserved_connections (2). */
const RESERVED_CONNECTIONS = 5;
/** The migrate function's pool (shared/db/pool.ts default) during a deploy. */
const MIGRATE_CONNECTIONS = 2;
/** One connection per single-user rotation function (master, writer, reader secrets). */
const ROTATION_CONNECTIONS = 3;
/** psql sessions of operators, monitoring agents. */
const OPERATOR_CONNECTIONS = 5;

const SIZE_STEPS = ['micro', 'small', 'medium', 'large', 'xlarge'];

/** Nominal memory (GiB) of db.t*, db.m* and db.r* classes, e.g. t4g.micro = 1, r7g.2xlarge = 64. */
export function instanceMemoryGiB(instanceClass: string): number | undefined {
  const match = /^([tmr])\d+[a-z]*\.(micro|small|medium|large|(\d*)xlarge)$/.exec(instanceClass);
  if (!match) return undefined;
  const [, family, size, multiple] = match;
  if (family === 't') {
    const step = SIZE_STEPS.indexOf(size!);
    if (step >= 0) return 2 ** step;
    return 16 * Number(multiple || 1);
  }
  const large = family === 'm' ? 8 : 16;
  if (size === 'large') return large;
  if (!size!.endsWith('xlarge')) return undefined;
  return 2 * large * Number(multiple || 1);
}

/** The planning value of max_connections for an instance class (undefined: unknown class). */
export function maxConnections(instanceClass: string): number | undefined {
  const memory = instanceMemoryGiB(instanceClass);
  if (memory === undefined) return undefined;
  return Math.min(Math.floor((memory * 2 ** 30 * CLASS_MEMORY_SHARE) / BYTES_PER_CONNECTION), RDS_CONNECTION_CAP);
}

/** What the budget reads of the stack's configuration (infra/config.ts's PipelineConfig has it all). */
interface CapacitySettings {
  database: { instanceClass: string; useProxy: boolean; proxyMaxConnectionsPercent: number };
  consumer: { reservedConcurrency: number; dbPoolMax: number; retryAttempts: number; outageBudgetSeconds: number };
  api: { reservedConcurrency: number; dbPoolMax: number };
}

export interface ConnectionBudget {
  maxConnections: number;
  /** Connections the runtime functions may open on the instance (directly or through the proxy). */
  runtime: number;
  /** Everything else: migrations, rotations, operators, reserved slots. */
  overhead: number;
  holds: boolean;
}

/**
 * Direct: ingestConcurrency × ingestPool + apiConcurrency × apiPool.
 * With RDS Proxy: the proxy opens at most maxConnectionsPercent of max_connections, whatever
 * the number of function containers (they connect to the proxy, not to PostgreSQL).
 * Holds when runtime + migrate + rotations + operators + reserved ≤ max_connections.
 */
export function connectionBudget(config: CapacitySettings): ConnectionBudget | undefined {
  const limit = maxConnections(config.database.instanceClass);
  if (limit === undefined) return undefined;
  const { consumer, api, database } = config;
  const runtime = database.useProxy
    ? Math.ceil((limit * database.proxyMaxConnectionsPercent) / 100)
    : consumer.reservedConcurrency * consumer.dbPoolMax + api.reservedConcurrency * api.dbPoolMax;
  const overhead = MIGRATE_CONNECTIONS + ROTATION_CONNECTIONS + OPERATOR_CONNECTIONS + RESERVED_CONNECTIONS;
  return { maxConnections: limit, runtime, overhead, holds: runtime + overhead <= limit };
}

/** Problems for readConfig: each names the context keys that change the outcome. */
export function checkConnectionBudget(config: CapacitySettings): Array<{ key: string; message: string }> {
  const budget = connectionBudget(config);
  if (!budget) {
    return [
      {
        key: 'dbInstanceClass',
        message: `"${config.database.instanceClass}" is not a db.t*, db.m* or db.r* class the connection budget knows (infra/capacity.ts)`,
      },
    ];
  }
  if (budget.holds) return [];
  const keys = config.database.useProxy
    ? 'proxyMaxConnectionsPercent'
    : 'ingestReservedConcurrency/ingestDbPoolMax/apiReservedConcurrency/apiDbPoolMax';
  return [
    {
      key: keys,
      message: `connection budget exceeded on ${config.database.instanceClass}: ${budget.runtime} runtime + ${budget.overhead} other connections > max_connections ${budget.maxConnections} (lower these, use a larger dbInstanceClass, or useRdsProxy)`,
    },
  ];
}

/**
 * The outage an ingest batch survives without reaching the DLQ: every attempt (the first and
 * each retry) waits up to the budget inside the invocation, and AWS documents no spacing between
 * retries, so assume none: about (retryAttempts + 1) × budget.
 */
export function survivableOutageSeconds(config: CapacitySettings): number {
  return (config.consumer.retryAttempts + 1) * config.consumer.outageBudgetSeconds;
}

/** docs/capacity.md's rows as CDK context: the defaults are the first row. */
export const CAPACITY_PROFILES: Record<string, Record<string, unknown>> = {
  default: {},
  '10k-orders-per-second': {
    stage: 'prod',
    batchSize: 1000,
    maxBatchingWindowSeconds: 1,
    minimumPollers: 4,
    maximumPollers: 12,
    ingestReservedConcurrency: 12,
    ingestDbPoolMax: 2,
    ingestMemoryMiB: 1769,
    apiReservedConcurrency: 50,
    apiDbPoolMax: 2,
    dbInstanceClass: 'r7g.2xlarge',
    dbAllocatedStorageGiB: 400,
    useRdsProxy: true,
    proxyMaxConnectionsPercent: 70,
    proxyMaxIdleConnectionsPercent: 35,
    apiThrottleRateLimit: 1000,
    apiThrottleBurstLimit: 2000,
  },
};
