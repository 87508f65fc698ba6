import { describe, expect, it } from 'vitest';
import { smokeOutputs, smokeScopes } from '../../local/tools/smoke/stack-target.js';
import { SCOPES } from '../../shared/http/routes.js';

/** The outputs of a deployed Cognito stack, as DescribeStacks lists them (infra/pipeline-stack.ts, sign-in.ts). */
const OUTPUTS = {
  ApiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/',
  SubmitAuth: 'iam',
  DlqTopic: 'orders.dlq',
  KafkaBootstrapBrokers: 'b-1.orders.x.c1.kafka.eu-west-1.amazonaws.com:9098',
  UserPoolId: 'eu-west-1_AbCdEf',
  SignInDomain: 'https://order-pipeline-staging-123.auth.eu-west-1.amazoncognito.com',
  SmokeClientId: 'smokeclient123',
  PageClientId: 'pageclient456',
};

describe('smokeOutputs', () => {
  it('reads the endpoints and ids of a Cognito stack', () => {
    expect(smokeOutputs('OrderPipeline-staging', OUTPUTS)).toEqual({
      apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
      submitAuth: 'iam',
      dlqTopic: 'orders.dlq',
      kafkaBrokers: OUTPUTS.KafkaBootstrapBrokers,
      cognito: { userPoolId: 'eu-west-1_AbCdEf', signInDomain: OUTPUTS.SignInDomain, smokeClientId: 'smokeclient123' },
    });
  });

  it('has no Cognito part for a stack with an external issuer, and no brokers for an older stack', () => {
    const { UserPoolId: _pool, SignInDomain: _domain, SmokeClientId: _client, KafkaBootstrapBrokers: _brokers, ...external } = OUTPUTS;
    expect(smokeOutputs('S', { ...external, SubmitAuth: 'jwt' })).toEqual({
      apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
      submitAuth: 'jwt',
      dlqTopic: 'orders.dlq',
    });
  });

  it('names the outputs a stack lacks, and a SubmitAuth it does not know', () => {
    expect(() => smokeOutputs('Other', { ApiUrl: 'https://x' })).toThrow(
      'stack Other has no output SubmitAuth, DlqTopic: is it an order pipeline stack, deployed from this version?',
    );
    expect(() => smokeOutputs('S', { ...OUTPUTS, SubmitAuth: 'none' })).toThrow(
      'stack S: output SubmitAuth is "none", expected iam or jwt',
    );
  });
});

describe('smokeScopes', () => {
  it('asks for orders/read, and orders/write only when POST /orders takes a JWT', () => {
    expect(smokeScopes('iam')).toEqual([SCOPES.read]);
    expect(smokeScopes('jwt')).toEqual([SCOPES.read, SCOPES.write]);
  });
});
