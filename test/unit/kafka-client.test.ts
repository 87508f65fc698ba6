import { type LogEntry, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type KafkaLogSink, kafkaClientConfig, kafkaClientOptions, kafkaConfigFromEnv, parseBrokers } from '../../shared/kafka/client.js';

describe('kafkaConfigFromEnv', () => {
  it('defaults to the orders topic, no auth and no TLS', () => {
    expect(kafkaConfigFromEnv({ KAFKA_BROKERS: 'localhost:9092' })).toEqual({
      brokers: ['localhost:9092'],
      topic: 'orders',
      auth: 'none',
      tls: false,
    });
  });

  it('reads a comma-separated broker list, the topic and TLS', () => {
    const config = kafkaConfigFromEnv({ KAFKA_BROKERS: ' b-1:9094, b-2:9094 ,', KAFKA_TOPIC: 'orders-v2', KAFKA_TLS: 'true' });
    expect(config).toMatchObject({ brokers: ['b-1:9094', 'b-2:9094'], topic: 'orders-v2', tls: true });
  });

  it('turns TLS on with IAM and requires the region', () => {
    expect(kafkaConfigFromEnv({ KAFKA_BROKERS: 'b-1:9098', KAFKA_AUTH: 'iam', AWS_REGION: 'eu-west-1' })).toEqual({
      brokers: ['b-1:9098'],
      topic: 'orders',
      auth: 'iam',
      tls: true,
      region: 'eu-west-1',
    });
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'b-1:9098', KAFKA_AUTH: 'iam' })).toThrow(/AWS_REGION/);
  });

  it('names the variable at fault', () => {
    expect(() => kafkaConfigFromEnv({})).toThrow(/KAFKA_BROKERS/);
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: ' , ' })).toThrow(/at least one host:port/);
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_AUTH: 'scram' })).toThrow(/KAFKA_AUTH/);
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_TLS: 'yes please' })).toThrow(/KAFKA_TLS/);
  });

  it('maps to client options', () => {
    expect(kafkaClientOptions(kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1' }))).toEqual({ brokers: ['a:1'], tls: false });
    expect(kafkaClientOptions(kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_AUTH: 'iam', AWS_REGION: 'us-east-1' }))).toEqual({
      brokers: ['a:1'],
      tls: true,
      iam: { region: 'us-east-1' },
    });
  });
});

describe('kafkaClientConfig', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('connects in plaintext without SASL locally', () => {
    const config = kafkaClientConfig({ brokers: 'localhost:9092', clientId: 'test' });
    expect(config).toMatchObject({ brokers: ['localhost:9092'], clientId: 'test', ssl: false });
    expect(config.sasl).toBeUndefined();
    expect(parseBrokers(['x:1', ' y:2 '])).toEqual(['x:1', 'y:2']);
  });

  it('authenticates to MSK with an IAM-signed OAUTHBEARER token over TLS', async () => {
    // Static credentials: the signer takes them from the default chain and signs locally (no AWS call).
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    const config = kafkaClientConfig({ brokers: ['b-1:9098'], clientId: 'test', tls: false, iam: { region: 'eu-west-1' } });
    expect(config.ssl).toBe(true);
    expect(config.sasl?.mechanism).toBe('oauthbearer');
    if (!config.sasl || !('oauthBearerProvider' in config.sasl)) throw new Error('expected an OAUTHBEARER provider');
    const { value } = await config.sasl.oauthBearerProvider();
    // The token is a base64url-encoded presigned URL for the kafka-cluster:Connect action.
    const url = new URL(Buffer.from(value, 'base64url').toString('utf8'));
    expect(url.hostname).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/);
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('passes only operational fields of kafkajs log entries to the sink', () => {
    const sink: KafkaLogSink = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() };
    const config = kafkaClientConfig({ brokers: 'a:1', clientId: 'test', logger: sink });
    expect(config.logLevel).toBe(logLevel.WARN);
    const log = config.logCreator!(logLevel.WARN);
    const entry: LogEntry = {
      namespace: 'Producer',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: {
        timestamp: '2026-01-01T00:00:00.000Z',
        message: 'Failed to send',
        broker: 'a:1',
        retryCount: 2,
        messages: [{ key: 'uid', value: '{"delivery":{"name":"Test Testov"}}' }],
      },
    };
    log(entry);
    log({ ...entry, level: logLevel.WARN, log: { ...entry.log, message: 'slow' } });
    expect(sink.error).toHaveBeenCalledWith('Failed to send', { kafkaNamespace: 'Producer', broker: 'a:1', retryCount: '2' });
    expect(sink.warn).toHaveBeenCalledWith('slow', { kafkaNamespace: 'Producer', broker: 'a:1', retryCount: '2' });
    expect(JSON.stringify(vi.mocked(sink.error).mock.calls)).not.toContain('Testov');
  });
});
