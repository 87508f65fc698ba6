/**
 * The MSK IAM token from AWS's signer package, signed locally (no AWS call): what the submit
 * function sends as its OAUTHBEARER token, from the credentials Lambda puts in the environment.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mskIamToken } from '../../shared/kafka/msk-iam-token.js';

afterEach(() => vi.unstubAllEnvs());

describe('mskIamToken', () => {
  it("presigns kafka-cluster:Connect with the execution role's credentials from the environment, valid for 15 minutes", async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'session');
    const before = Date.now();
    const { token, expiresAt } = await mskIamToken('eu-west-1');
    expect(token).not.toMatch(/[=+/]/);
    const url = new URL(Buffer.from(token, 'base64url').toString('utf8'));
    expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^ASIAEXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/);
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('session');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    // Signed to the second: the expiry is 900 s after a signing time no earlier than a second before the call.
    expect(expiresAt).toBeGreaterThanOrEqual(before - 1_000 + 900_000);
  });
});
