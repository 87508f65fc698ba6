/**
 * The smoke test's target when it runs against a deployed stack (`--stack <name>`): endpoints
 * and ids from the stack's CloudFormation outputs (infra/pipeline-stack.ts, infra/constructs/sign-in.ts),
 * AWS credentials from the default chain.
 *   token     the stack's smoke-test Cognito app client (client credentials grant; its secret is
 *             read with DescribeUserPoolClient now and never printed), or SMOKE_ACCESS_TOKEN for
 *             a stack with an external issuer
 *   submit    SigV4 (`SubmitAuth` = iam) or the token (jwt, then it carries orders/write)
 *   DLQ       the `DlqTopic` on `KafkaBootstrapBrokers` with MSK IAM: from where the brokers can
 *             be reached (inside the VPC), else `--skip-dlq`
 *   alarms    every CloudWatch alarm of the stack (ListStackResources), none may be in ALARM
 */
import { CloudFormationClient, DescribeStacksCommand, paginateListStackResources } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CognitoIdentityProviderClient, DescribeUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';
import { logLevel } from 'kafkajs';
import { SCOPES } from '../../../shared/http/routes.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { clientCredentialsToken } from '../client-credentials.js';
import type { SmokeTarget } from './checks.js';
import { executeApiSigner } from './sigv4.js';

export interface StackTargetOptions {
  stackName: string;
  /** Default: the SDK's (AWS_REGION, the profile's region). */
  region?: string;
  /** For a stack without the smoke-test app client (external issuer): a token with the scopes below. */
  accessToken?: string;
  skipDlq?: boolean;
}

/** What the smoke test reads from the stack's outputs. */
export interface SmokeStackOutputs {
  apiUrl: string;
  submitAuth: 'iam' | 'jwt';
  dlqTopic: string;
  kafkaBrokers?: string;
  /** Cognito only. */
  cognito?: { userPoolId: string; signInDomain: string; smokeClientId: string };
}

/** The outputs by key, checked: a missing required one is named (an older stack, another template). */
export function smokeOutputs(stackName: string, outputs: Readonly<Record<string, string | undefined>>): SmokeStackOutputs {
  const missing = ['ApiUrl', 'SubmitAuth', 'DlqTopic'].filter((key) => !outputs[key]);
  if (missing.length > 0) {
    throw new Error(`stack ${stackName} has no output ${missing.join(', ')}: is it an order pipeline stack, deployed from this version?`);
  }
  const submitAuth = outputs.SubmitAuth;
  if (submitAuth !== 'iam' && submitAuth !== 'jwt') {
    throw new Error(`stack ${stackName}: output SubmitAuth is "${submitAuth}", expected iam or jwt`);
  }
  const { UserPoolId: userPoolId, SignInDomain: domain, SmokeClientId: smokeClientId } = outputs;
  const cognito =
    userPoolId && domain && smokeClientId ? { userPoolId, signInDomain: domain.replace(/\/$/, ''), smokeClientId } : undefined;
  return {
    apiUrl: outputs.ApiUrl!.replace(/\/$/, ''),
    submitAuth,
    dlqTopic: outputs.DlqTopic!,
    ...(outputs.KafkaBootstrapBrokers ? { kafkaBrokers: outputs.KafkaBootstrapBrokers } : {}),
    ...(cognito ? { cognito } : {}),
  };
}

/** The scopes the smoke test's token needs: read always, write when POST /orders takes a JWT. */
export const smokeScopes = (submitAuth: 'iam' | 'jwt') => (submitAuth === 'jwt' ? [SCOPES.read, SCOPES.write] : [SCOPES.read]);

async function readOutputs(cloudFormation: CloudFormationClient, stackName: string): Promise<SmokeStackOutputs> {
  const described = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName })).catch((error: unknown) => {
    throw new Error(`cannot describe stack ${stackName}: ${error instanceof Error ? error.message : String(error)}`);
  });
  const [stack] = described.Stacks ?? [];
  if (!stack) throw new Error(`stack ${stackName} not found`);
  return smokeOutputs(stackName, Object.fromEntries((stack.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue])));
}

function tokenSource(outputs: SmokeStackOutputs, region: string, accessToken: string | undefined): () => Promise<string> {
  const { cognito } = outputs;
  if (!cognito) {
    if (accessToken) return async () => accessToken;
    return async () => {
      const scopes = smokeScopes(outputs.submitAuth).join(' ');
      throw new Error(`the stack has no SmokeClientId output (an external issuer): set SMOKE_ACCESS_TOKEN to a token with ${scopes}`);
    };
  }
  let token: Promise<string> | undefined;
  const fetchToken = async () => {
    const cognitoClient = new CognitoIdentityProviderClient({ region });
    const clientId = cognito.smokeClientId;
    const described = await cognitoClient.send(new DescribeUserPoolClientCommand({ UserPoolId: cognito.userPoolId, ClientId: clientId }));
    const client = described.UserPoolClient;
    if (!client?.ClientSecret) throw new Error(`app client ${clientId} has no secret`);
    const credentials = { tokenUrl: `${cognito.signInDomain}/oauth2/token`, clientId, clientSecret: client.ClientSecret };
    return (await clientCredentialsToken(credentials, smokeScopes(outputs.submitAuth))).accessToken;
  };
  return () => (token ??= fetchToken());
}

/** Names and reasons of the stack's alarms (metric and composite) that are in ALARM now. */
async function alarmsInAlarm(
  cloudFormation: CloudFormationClient,
  cloudWatch: CloudWatchClient,
  stackName: string,
): Promise<Array<{ name: string; reason: string }>> {
  const names: string[] = [];
  for await (const page of paginateListStackResources({ client: cloudFormation }, { StackName: stackName })) {
    for (const resource of page.StackResourceSummaries ?? []) {
      const isAlarm = /^AWS::CloudWatch::(Composite)?Alarm$/.test(resource.ResourceType ?? '');
      if (isAlarm && resource.PhysicalResourceId) names.push(resource.PhysicalResourceId);
    }
  }
  const found: Array<{ name: string; reason: string }> = [];
  // DescribeAlarms takes up to 100 names at a time.
  for (let start = 0; start < names.length; start += 100) {
    const batch = names.slice(start, start + 100);
    const answer = await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: batch, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
    for (const alarm of [...(answer.MetricAlarms ?? []), ...(answer.CompositeAlarms ?? [])]) {
      if (alarm.StateValue === 'ALARM') found.push({ name: alarm.AlarmName ?? '?', reason: alarm.StateReason ?? '' });
    }
  }
  return found;
}

/** The stack's DLQ topic over MSK IAM (TLS, port 9098), or why it cannot be read. */
function stackDlq(stackName: string, outputs: SmokeStackOutputs, region: string): SmokeTarget['dlq'] {
  if (!outputs.kafkaBrokers) return { skipped: `stack ${stackName} has no KafkaBootstrapBrokers output` };
  const kafka = createKafka({
    brokers: outputs.kafkaBrokers,
    clientId: 'smoke-test',
    iam: { region },
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    retry: { retries: 2 },
  });
  return { topic: outputs.dlqTopic, kafka };
}

export async function stackTarget({ stackName, region, accessToken, skipDlq = false }: StackTargetOptions): Promise<SmokeTarget> {
  const cloudFormation = new CloudFormationClient(region ? { region } : {});
  const resolvedRegion = await cloudFormation.config.region();
  const outputs = await readOutputs(cloudFormation, stackName);
  const token = tokenSource(outputs, resolvedRegion, accessToken);
  const signer = outputs.submitAuth === 'iam' ? executeApiSigner(resolvedRegion) : undefined;
  const bearer = async () => ({ authorization: `Bearer ${await token()}` });
  const submitWith = outputs.submitAuth === 'iam' ? 'SigV4' : 'a token';
  return {
    label: `stack ${stackName} in ${resolvedRegion} (${outputs.apiUrl}, POST /orders with ${submitWith})`,
    apiUrl: outputs.apiUrl,
    prepare: async () => {
      await token();
      await signer?.ready();
    },
    readHeaders: bearer,
    submitHeaders: async (url, body, headers) => (signer ? signer.headers({ method: 'POST', url, headers, body }) : bearer()),
    dlq: skipDlq ? { skipped: '--skip-dlq' } : stackDlq(stackName, outputs, resolvedRegion),
    alarmsInAlarm: () => alarmsInAlarm(cloudFormation, new CloudWatchClient({ region: resolvedRegion }), stackName),
  };
}
