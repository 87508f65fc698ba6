/**
 * The SASL/OAUTHBEARER token of Amazon MSK's IAM access control, made as aws-msk-iam-sasl-signer-js
 * makes it (its generateAuthToken): `GET https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect`
 * presigned with Signature Version 4 for the service `kafka-cluster`, valid 900 s, as a base64url
 * string without padding. Not the package itself: it bundles the SDK's credential chain and STS
 * client (about 375 KB), whose load was most of the submit function's cold start (docs/benchmarks.md).
 * Credentials: the execution role's, from the variables Lambda sets (AWS_ACCESS_KEY_ID, ...).
 * test/unit/kafka-msk-iam-token.test.ts holds the token equal to the package's.
 */
import { type AwsCredentials, credentialsFromEnv, presignGet, uriEncode } from '../aws/sigv4.js';

/** As the package's: kafkajs (re)authenticates with a fresh token well before this runs out. */
const EXPIRES_SECONDS = 900;
const USER_AGENT = 'order-pipeline-msk-iam/1';

export interface MskIamToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export function mskIamToken(
  region: string,
  { credentials = credentialsFromEnv(), now = new Date() }: { credentials?: AwsCredentials; now?: Date } = {},
): MskIamToken {
  const signedAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const url = new URL(`https://kafka.${region}.amazonaws.com/?Action=kafka-cluster%3AConnect`);
  const query = presignGet(url, { region, service: 'kafka-cluster', credentials, now: signedAt, expiresSeconds: EXPIRES_SECONDS });
  query.push(['User-Agent', USER_AGENT]);
  // The package formats the URL with its query keys sorted; the signature does not depend on the order.
  const search = query
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${uriEncode(key)}=${uriEncode(value)}`)
    .join('&');
  return {
    token: Buffer.from(`https://${url.host}/?${search}`, 'utf8').toString('base64url'),
    expiresAt: signedAt.getTime() + EXPIRES_SECONDS * 1000,
  };
}
