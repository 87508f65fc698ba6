import { describe, expect, it } from 'vitest';
import { cacheConfigFromEnv } from '../../functions/api/order-cache.js';
import { authConfigFromEnv } from '../../shared/http/auth-config.js';
import { ConfigError } from '../../shared/config.js';
import { kafkaConfigFromEnv } from '../../shared/kafka/client.js';

/** One zod schema per concern, one ConfigError that names every bad variable and what it got. */
const failure = (read: () => unknown): ConfigError => {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

const COGNITO = {
  AUTH_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
  AUTH_CLIENT_ID: '4example',
  AUTH_AUTHORIZE_URL: 'https://orders.auth.eu-west-1.amazoncognito.com/oauth2/authorize',
  AUTH_TOKEN_URL: 'https://orders.auth.eu-west-1.amazoncognito.com/oauth2/token',
  AUTH_LOGOUT_URL: 'https://orders.auth.eu-west-1.amazoncognito.com/logout',
};

describe('authConfigFromEnv', () => {
  it('is off when no AUTH_* variable is set', () => {
    expect(authConfigFromEnv({})).toBeUndefined();
  });

  it('reads the issuer, client and endpoints, with the page scopes by default', () => {
    expect(authConfigFromEnv(COGNITO)).toEqual({
      issuer: COGNITO.AUTH_ISSUER,
      clientId: '4example',
      authorizeUrl: COGNITO.AUTH_AUTHORIZE_URL,
      tokenUrl: COGNITO.AUTH_TOKEN_URL,
      logoutUrl: COGNITO.AUTH_LOGOUT_URL,
      scopes: 'openid profile orders/read orders/write',
    });
    expect(authConfigFromEnv({ ...COGNITO, AUTH_SCOPES: 'openid orders/read' })?.scopes).toBe('openid orders/read');
  });

  it('names each missing variable when only some are set', () => {
    const error = failure(() => authConfigFromEnv({ AUTH_ISSUER: COGNITO.AUTH_ISSUER, AUTH_TOKEN_URL: COGNITO.AUTH_TOKEN_URL }));
    expect(error.message).toBe(
      'auth configuration: AUTH_CLIENT_ID: is required when AUTH_ISSUER, AUTH_TOKEN_URL are set; AUTH_AUTHORIZE_URL: is required when AUTH_ISSUER, AUTH_TOKEN_URL are set',
    );
  });

  it('names a URL that is not http(s), with the value it got', () => {
    const error = failure(() => authConfigFromEnv({ ...COGNITO, AUTH_TOKEN_URL: 'javascript:alert(1)' }));
    expect(error.message).toBe('auth configuration: AUTH_TOKEN_URL: must be an http(s) URL (got "javascript:alert(1)")');
  });
});

describe('cacheConfigFromEnv', () => {
  it('treats a blank variable as unset', () => {
    expect(cacheConfigFromEnv({ CACHE_MAX_BYTES: ' ' }).maxBytes).toBe(64 * 1024 * 1024);
  });

  it('names every bad variable in one error', () => {
    const error = failure(() => cacheConfigFromEnv({ CACHE_MAX_ENTRIES: '0', CACHE_TTL_SECONDS: 'soon' }));
    expect(error.message).toBe(
      'cache configuration: CACHE_MAX_ENTRIES: must be at least 1 (got "0"); CACHE_TTL_SECONDS: must be a whole number from 0 to 86400 (got "soon")',
    );
  });
});

describe('kafkaConfigFromEnv', () => {
  it('names the missing brokers and a bad flag together', () => {
    const error = failure(() => kafkaConfigFromEnv({ KAFKA_TLS: 'maybe' }));
    expect(error.message).toBe(
      'Kafka configuration: KAFKA_BROKERS: is not set (comma-separated host:port list); KAFKA_TLS: must be "true" or "false" (got "maybe")',
    );
  });

  it('needs AWS_REGION only with IAM authentication', () => {
    expect(failure(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'b-1:9098', KAFKA_AUTH: 'IAM' })).message).toBe(
      'Kafka configuration: AWS_REGION: is required when KAFKA_AUTH=iam',
    );
    expect(kafkaConfigFromEnv({ KAFKA_BROKERS: 'b-1:9092', KAFKA_AUTH: 'none' }).region).toBeUndefined();
  });
});
