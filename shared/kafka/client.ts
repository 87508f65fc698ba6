/**
 * The one place a kafkajs client is built: the submit function, the producer CLI and the tests
 * all connect the same way. Locally: plaintext, no auth. In AWS: MSK with IAM over TLS.
 */
import { Kafka, type KafkaConfig, type LogEntry, logLevel, type RetryOptions } from 'kafkajs';
import * as z from 'zod';
import { blankAsAbsent, type Env, readEnv } from '../config.js';
import { mskIamToken } from './msk-iam-token.js';
import { ignoreKafkajsNegativeTimeoutWarning } from './timeout-warning.js';
import { DEFAULT_ORDERS_TOPIC } from './topics.js';

/** Where kafkajs log lines go. Powertools' `Logger` satisfies it. */
export interface KafkaLogSink {
  error(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  info(message: string, extra: Record<string, unknown>): void;
  debug(message: string, extra: Record<string, unknown>): void;
}

export interface KafkaClientOptions {
  /** `host:port` list, or one comma-separated string as in a bootstrap-servers setting. */
  brokers: string[] | string;
  clientId: string;
  /** TLS to the brokers; forced on with `iam` (MSK's IAM listener is TLS only). */
  tls?: boolean;
  /** Authenticate to MSK with IAM: SASL/OAUTHBEARER, token signed from the default credential chain. */
  iam?: { region: string };
  /** Defaults: kafkajs' own (1 s connect, 30 s request, 5 retries). Callers that must answer fast set them. */
  connectionTimeout?: number;
  requestTimeout?: number;
  retry?: RetryOptions;
  /** Structured sink for kafkajs' log lines (default: JSON lines on stderr). */
  logger?: KafkaLogSink;
  /** Least severe level passed on (default WARN). */
  logLevel?: logLevel;
}

/**
 * Bootstrap brokers from a comma list or an array, trimmed; throws when none is left.
 *
 * @example
 * ```ts
 * parseBrokers('b-1.example:9098, b-2.example:9098'); // ['b-1.example:9098', 'b-2.example:9098']
 * ```
 */
export function parseBrokers(brokers: string[] | string): string[] {
  const list = (Array.isArray(brokers) ? brokers : brokers.split(',')).map((broker) => broker.trim()).filter((broker) => broker.length > 0);
  if (list.length === 0) throw new Error('Kafka brokers: at least one host:port is required');
  return list;
}

/**
 * A kafkajs client with this project's TLS, IAM (SASL OAUTHBEARER) and logging.
 *
 * @example
 * ```ts
 * const config = kafkaConfigFromEnv();
 * const kafka = createKafka({ ...kafkaClientOptions(config), clientId: 'order-tools' });
 * const producer = kafka.producer();
 * ```
 */
export function createKafka(options: KafkaClientOptions): Kafka {
  ignoreKafkajsNegativeTimeoutWarning();
  return new Kafka(kafkaClientConfig(options));
}

/** The kafkajs configuration `createKafka` uses (exported so tests can inspect auth and logging). */
export function kafkaClientConfig(options: KafkaClientOptions): KafkaConfig {
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: parseBrokers(options.brokers),
    ssl: options.iam ? true : (options.tls ?? false),
    logLevel: options.logLevel ?? logLevel.WARN,
    logCreator: structuredLogCreator(options.logger ?? stderrJsonSink),
  };
  if (options.iam) {
    const { region } = options.iam;
    // The signer's documented use with kafkajs: SASL `oauthbearer`, a provider returning
    // `{ value: token }`, `ssl: true`. Source: github.com/aws/aws-msk-iam-sasl-signer-js README.
    // kafkajs calls the provider on every (re)authentication, so tokens never go stale.
    config.sasl = { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: (await mskIamToken(region)).token }) };
  }
  if (options.connectionTimeout !== undefined) config.connectionTimeout = options.connectionTimeout;
  if (options.requestTimeout !== undefined) config.requestTimeout = options.requestTimeout;
  if (options.retry !== undefined) config.retry = options.retry;
  return config;
}

type KafkaAuth = 'iam' | 'none';

export interface KafkaEnvConfig {
  brokers: string[];
  topic: string;
  auth: KafkaAuth;
  tls: boolean;
  /** Set when `auth` is `iam`. */
  region?: string;
}

/** A word in any case, blank as absent. */
const lowerCase = (value: unknown): unknown => (typeof blankAsAbsent(value) === 'string' ? String(value).trim().toLowerCase() : undefined);

const flag = z.preprocess(lowerCase, z.enum(['true', 'false', '1', '0'], { error: 'must be "true" or "false"' }).optional());

const kafkaSchema = z
  .object({
    KAFKA_BROKERS: z.preprocess(
      blankAsAbsent,
      z
        .string({ error: 'is not set (comma-separated host:port list)' })
        .refine((value) => value.split(',').some((broker) => broker.trim() !== ''), 'needs at least one host:port'),
    ),
    KAFKA_TOPIC: z.preprocess(blankAsAbsent, z.string().trim().default(DEFAULT_ORDERS_TOPIC)),
    KAFKA_AUTH: z.preprocess(lowerCase, z.enum(['iam', 'none'], { error: 'must be "iam" or "none"' }).default('none')),
    KAFKA_TLS: flag,
    AWS_REGION: z.preprocess(blankAsAbsent, z.string().trim().optional()),
  })
  .superRefine((env, context) => {
    if (env.KAFKA_AUTH === 'iam' && !env.AWS_REGION)
      context.addIssue({ code: 'custom', path: ['AWS_REGION'], message: 'is required when KAFKA_AUTH=iam' });
  });

/**
 * Reads KAFKA_BROKERS (comma list, required), KAFKA_TOPIC (default `orders`), KAFKA_AUTH
 * (`iam` | `none`, default `none`), KAFKA_TLS (`true` | `false`; default true with iam) and
 * AWS_REGION (required with iam). Throws a ConfigError that names each variable at fault.
 *
 * @example
 * ```ts
 * const config = kafkaConfigFromEnv({ KAFKA_BROKERS: 'b-1.example:9098', KAFKA_AUTH: 'iam', AWS_REGION: 'eu-west-1' });
 * // { brokers: ['b-1.example:9098'], topic: 'orders', auth: 'iam', tls: true, region: 'eu-west-1' }
 * ```
 */
export function kafkaConfigFromEnv(env: Env = process.env): KafkaEnvConfig {
  const parsed = readEnv('Kafka', kafkaSchema, env);
  const tls = parsed.KAFKA_TLS === undefined ? parsed.KAFKA_AUTH === 'iam' : parsed.KAFKA_TLS === 'true' || parsed.KAFKA_TLS === '1';
  return {
    brokers: parseBrokers(parsed.KAFKA_BROKERS),
    topic: parsed.KAFKA_TOPIC,
    auth: parsed.KAFKA_AUTH,
    tls,
    ...(parsed.KAFKA_AUTH === 'iam' ? { region: parsed.AWS_REGION! } : {}),
  };
}

/** Client options for an env config: `createKafka({ ...kafkaClientOptions(config), clientId })`. */
export function kafkaClientOptions(config: KafkaEnvConfig): Pick<KafkaClientOptions, 'brokers' | 'tls' | 'iam'> {
  return {
    brokers: config.brokers,
    tls: config.tls,
    ...(config.auth === 'iam' && config.region ? { iam: { region: config.region } } : {}),
  };
}

/**
 * kafkajs log entries carry free-form extras; only these operational fields are passed on, so a
 * record's key or value (personal data) can never reach the logs through them.
 */
const LOGGED_FIELDS = ['broker', 'clientId', 'groupId', 'topic', 'retryCount', 'retryTime', 'error'] as const;

function structuredLogCreator(sink: KafkaLogSink) {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const extra: Record<string, unknown> = { kafkaNamespace: namespace };
      for (const field of LOGGED_FIELDS) if (log[field] !== undefined) extra[field] = String(log[field]);
      const write =
        level === logLevel.ERROR ? sink.error : level === logLevel.WARN ? sink.warn : level === logLevel.INFO ? sink.info : sink.debug;
      write.call(sink, log.message, extra);
    };
}

function writeStderrJson(level: string, message: string, extra: Record<string, unknown>): void {
  const line = { level, source: 'kafkajs', message, ...extra, timestamp: new Date().toISOString() };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

const stderrJsonSink: KafkaLogSink = {
  error: (message, extra) => writeStderrJson('ERROR', message, extra),
  warn: (message, extra) => writeStderrJson('WARN', message, extra),
  info: (message, extra) => writeStderrJson('INFO', message, extra),
  debug: (message, extra) => writeStderrJson('DEBUG', message, extra),
};
