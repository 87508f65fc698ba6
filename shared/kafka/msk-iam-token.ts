/**
 * The SASL/OAUTHBEARER token of Amazon MSK's IAM access control, from AWS's signer,
 * `aws-msk-iam-sasl-signer-js` (`generateAuthToken`: a presigned `kafka-cluster:Connect` URL,
 * signed with the default credential chain, which in Lambda finds the execution role's
 * credentials in the environment). The package is imported on the first token, when the first
 * connection to the brokers authenticates, not when the function loads: only the submit
 * function and the CLI tools with `--iam` ever need it.
 */

export interface MskIamToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/**
 * A fresh token for the cluster's region; kafkajs asks for one on every (re)authentication.
 *
 * @example
 * ```ts
 * const sasl = { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: (await mskIamToken('eu-west-1')).token }) };
 * ```
 */
export async function mskIamToken(region: string): Promise<MskIamToken> {
  const { generateAuthToken } = await import('./msk-iam-signer.js');
  const { token, expiryTime } = await generateAuthToken({ region });
  return { token, expiresAt: expiryTime };
}
