/**
 * The MSK IAM token without the signer package, against the package itself (a development
 * dependency for this test): same credentials, same clock, the same signed URL. Only the
 * User-Agent parameter differs (it is not signed; MSK does not check it).
 */
import { generateAuthTokenFromCredentialsProvider } from 'aws-msk-iam-sasl-signer-js';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mskIamToken } from '../../shared/kafka/msk-iam-token.js';

const decoded = (token: string) => {
  const url = new URL(Buffer.from(token, 'base64url').toString('utf8'));
  url.searchParams.delete('User-Agent');
  return url.toString();
};

afterEach(() => vi.useRealTimers());

describe('mskIamToken', () => {
  it("is the package's token for the same credentials and time", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          accessKeyId: fc.stringMatching(/^[A-Z0-9]{16,20}$/),
          secretAccessKey: fc.stringMatching(/^[A-Za-z0-9/+]{20,40}$/),
          sessionToken: fc.option(fc.stringMatching(/^[A-Za-z0-9/+=]{10,80}$/), { nil: undefined }),
          region: fc.constantFrom('eu-west-1', 'us-east-1', 'ap-southeast-2'),
          now: fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2030-12-31T23:59:59Z'), noInvalidDate: true }),
        }),
        async ({ accessKeyId, secretAccessKey, sessionToken, region, now }) => {
          const credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
          vi.useFakeTimers({ now, toFake: ['Date'] });
          const theirs = await generateAuthTokenFromCredentialsProvider({ region, awsCredentialsProvider: async () => credentials });
          const ours = mskIamToken(region, { credentials, now: new Date() });
          vi.useRealTimers();
          expect(decoded(ours.token)).toBe(decoded(theirs.token));
          expect(ours.token).not.toMatch(/[=+/]/);
          expect(ours.expiresAt).toBe(theirs.expiryTime);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('reads the credentials Lambda puts in the environment', () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'session');
    try {
      const url = new URL(Buffer.from(mskIamToken('eu-west-1').token, 'base64url').toString('utf8'));
      expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
      expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
      expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^ASIAEXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/);
      expect(url.searchParams.get('X-Amz-Security-Token')).toBe('session');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
