/**
 * The prod stage with every option switched on: an existing VPC (with its own interface
 * endpoints) read from context, RDS Proxy, an external OpenID Connect issuer, a JWT authorizer on
 * POST /orders, another DLQ topic, the brokers' security group, an alarm e-mail and a forced
 * migration run. Bundling is skipped (the code is the dev test's and the CLI test's concern).
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { kafkaResourceArns } from '../../infra/config.js';
import { SCOPES } from '../../shared/http/routes.js';
import { AwsSolutionsChecks } from '../../infra/nag.js';
import { contextErrorMessage, dependencyCycle, functionByService, readContext, resourcesOf, synthPipeline, variablesOf } from './synth.js';

const CLUSTER_ARN = 'arn:aws:kafka:us-east-1:210987654321:cluster/prod-orders/abcd1234-0123-abcd-5678-1234abcd-1';
const PROD_CONTEXT = {
  stage: 'prod',
  mskClusterArn: CLUSTER_ARN,
  mskBootstrapBrokers: 'b-1.prod-orders.x.c2.kafka.us-east-1.amazonaws.com:9098',
  mskSecurityGroupId: 'sg-0123456789abcdef0',
  vpcId: 'vpc-0abc',
  vpcCidr: '10.20.0.0/16',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  privateSubnetIds: 'subnet-aaa,subnet-bbb',
  createVpcEndpoints: 'false',
  useRdsProxy: 'true',
  submitAuth: 'jwt',
  authIssuer: 'https://login.example.com/realms/orders',
  authAudience: 'client-a,client-b',
  authAuthorizeUrl: 'https://login.example.com/realms/orders/protocol/openid-connect/auth',
  authTokenUrl: 'https://login.example.com/realms/orders/protocol/openid-connect/token',
  dlqTopic: 'orders-failed',
  alarmEmail: 'oncall@example.com',
  migrateRunId: '2026-11-21T12:00',
};

let synth: ReturnType<typeof synthPipeline>;
let template: Template;

beforeAll(() => {
  synth = synthPipeline(PROD_CONTEXT, { bundle: false });
  template = synth.template;
}, 180_000);

const variables = (service: string) => variablesOf(template, service);

describe('prod stage', () => {
  it('switches on deletion protection, backups, Multi-AZ and a snapshot on delete', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', { DeletionProtection: true, BackupRetentionPeriod: 7, MultiAZ: true });
    template.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' });
  });

  it('retains the logs when the stack is deleted', () => {
    for (const [id] of resourcesOf(template, 'AWS::Logs::LogGroup')) {
      expect(template.toJSON().Resources[id].DeletionPolicy, id).toBe('Retain');
    }
  });

  it('passes cdk-nag without the dev-only acknowledgements', () => {
    const report = new AwsSolutionsChecks().validateScope(synth.app);
    expect(report.violations.filter((violation) => violation.severity === 'error')).toEqual([]);
    const acknowledged = JSON.stringify(synth.app.node.findAll().flatMap((c) => c.node.metadata.map((entry) => entry.data)));
    expect(acknowledged).not.toMatch(/AwsSolutions-RDS(3|10|13)\b/);
  });
});

describe('existing VPC from context', () => {
  it('creates no interface endpoint with createVpcEndpoints=false (the VPC has its own: private DNS is one per VPC)', () => {
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    // The database clients reach the existing endpoints on 443 inside the VPC's range.
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: Match.arrayWith([Match.objectLike({ CidrIp: '10.20.0.0/16', FromPort: 443, ToPort: 443 })]),
    });
    // The rotation functions use the regional hostname, which the existing endpoint resolves.
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 3);
  });

  it('creates no VPC and places the functions in the given subnets', () => {
    template.resourceCountIs('AWS::EC2::VPC', 0);
    for (const service of ['ingest', 'api', 'submit', 'migrate']) {
      const [, fn] = functionByService(template, service);
      expect((fn.VpcConfig as { SubnetIds: unknown[] }).SubnetIds).toEqual(['subnet-aaa', 'subnet-bbb']);
    }
  });

  it("opens the brokers' security group to the submit function on 9098", () => {
    const [, submit] = functionByService(template, 'submit');
    const submitSg = (submit.VpcConfig as { SecurityGroupIds: unknown[] }).SecurityGroupIds[0];
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0123456789abcdef0',
      IpProtocol: 'tcp',
      FromPort: 9098,
      ToPort: 9098,
      SourceSecurityGroupId: submitSg,
    });
  });

  it('derives the topic and group ARNs from the cluster ARN', () => {
    const policies = JSON.stringify(resourcesOf(template, 'AWS::IAM::Policy'));
    expect(policies).toContain('arn:aws:kafka:us-east-1:210987654321:topic/prod-orders/abcd1234-0123-abcd-5678-1234abcd-1/orders');
    expect(policies).toContain(
      'arn:aws:kafka:us-east-1:210987654321:group/prod-orders/abcd1234-0123-abcd-5678-1234abcd-1/order-pipeline-ingest-prod',
    );
  });
});

describe('RDS Proxy', () => {
  it('is named after the stack (proxy names are unique per account and region)', () => {
    template.hasResourceProperties('AWS::RDS::DBProxy', { DBProxyName: 'orderpipeline-prod-proxy' });
  });

  it("logs in with the two runtime roles' secrets, not the master's", () => {
    const [, proxy] = resourcesOf(template, 'AWS::RDS::DBProxy')[0]!;
    const secretRefs = (proxy.Auth as Array<{ SecretArn: { Ref: string } }>).map((auth) => auth.SecretArn.Ref).sort();
    expect(secretRefs).toEqual(
      [(variables('ingest').DB_SECRET_ARN as { Ref: string }).Ref, (variables('api').DB_SECRET_ARN as { Ref: string }).Ref].sort(),
    );
    expect(secretRefs).not.toContain((variables('migrate').DB_SECRET_ARN as { Ref: string }).Ref);
  });

  it('keeps its connections within its share of max_connections', () => {
    template.hasResourceProperties('AWS::RDS::DBProxyTargetGroup', {
      ConnectionPoolConfigurationInfo: Match.objectLike({ MaxConnectionsPercent: 70, MaxIdleConnectionsPercent: 35 }),
    });
  });

  it('requires TLS and sends the ingest and read functions through it, the migrations directly', () => {
    template.hasResourceProperties('AWS::RDS::DBProxy', { RequireTLS: true, EngineFamily: 'POSTGRESQL' });
    const [proxyId] = resourcesOf(template, 'AWS::RDS::DBProxy')[0]!;
    expect(variables('ingest').DB_HOST).toEqual({ 'Fn::GetAtt': [proxyId, 'Endpoint'] });
    expect(variables('api').DB_HOST).toEqual({ 'Fn::GetAtt': [proxyId, 'Endpoint'] });
    expect(variables('migrate').DB_HOST).toBeUndefined();
  });
});

describe('external issuer and JWT on POST /orders', () => {
  it('uses the issuer and audiences from context, and creates no Cognito user pool', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: PROD_CONTEXT.authIssuer, Audience: ['client-a', 'client-b'] },
    });
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    expect(template.findOutputs('UserPoolId')).toEqual({});
  });

  it('requires a token with the write scope on POST /orders', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /orders',
      AuthorizationType: 'JWT',
      AuthorizationScopes: [SCOPES.write],
    });
  });

  it('gives the page the issuer, its client id and endpoints', () => {
    expect(variables('api')).toMatchObject({
      AUTH_ISSUER: PROD_CONTEXT.authIssuer,
      AUTH_CLIENT_ID: 'client-a',
      AUTH_AUTHORIZE_URL: PROD_CONTEXT.authAuthorizeUrl,
      AUTH_TOKEN_URL: PROD_CONTEXT.authTokenUrl,
    });
  });
});

describe('DLQ topic from context', () => {
  it('sends failed records to that topic and lets the mapping write there', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: { OnFailure: { Destination: 'kafka://orders-failed' } },
    });
    const policies = JSON.stringify(resourcesOf(template, 'AWS::IAM::Policy'));
    expect(policies).toContain('arn:aws:kafka:us-east-1:210987654321:topic/prod-orders/abcd1234-0123-abcd-5678-1234abcd-1/orders-failed');
  });

  it('has no dependency cycle', () => {
    expect(dependencyCycle(template)).toEqual([]);
  });
});

describe('alarms e-mail and forced migration run', () => {
  it('subscribes the e-mail address to the alarm topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('puts migrateRunId on the Trigger so that it runs again', () => {
    template.hasResourceProperties('Custom::Trigger', {
      RunId: '2026-11-21T12:00',
      MigrationsSha256: Match.stringLikeRegexp('^[0-9a-f]{64}$'),
    });
  });
});

describe('context validation (one zod schema)', () => {
  const read = readContext;
  const message = contextErrorMessage;

  it('names every bad key in one error', () => {
    const text = message({ batchSize: '0', stage: 'staging', logRetentionDays: 10, alarmEmail: 'nobody', useRdsProxy: 'yes' });
    for (const key of ['batchSize', 'stage', 'logRetentionDays', 'alarmEmail', 'useRdsProxy']) expect(text).toContain(`context ${key}:`);
  });

  it('rejects an ARN that is not an MSK cluster', () => {
    expect(message({ mskClusterArn: 'arn:aws:sqs:eu-west-1:123456789012:queue' })).toMatch(/context mskClusterArn: not an MSK cluster ARN/);
  });

  it('rejects an existing VPC without subnets and CIDR', () => {
    const text = message({ vpcId: 'vpc-1' });
    expect(text).toContain('context vpcCidr:');
    expect(text).toContain('context availabilityZones:');
  });

  it('rejects an external issuer without audience and endpoints', () => {
    const text = message({ authIssuer: 'https://login.example.com' });
    for (const key of ['authAudience', 'authAuthorizeUrl', 'authTokenUrl']) expect(text).toContain(`context ${key}:`);
  });

  it('rejects a DLQ topic equal to the source topic (AWS refuses the recursion)', () => {
    expect(message({ dlqTopic: 'orders' })).toContain('context dlqTopic:');
  });

  it('rejects an outage budget that would push the ingest timeout past 14 minutes', () => {
    expect(message({ ingestOutageBudgetSeconds: '800' })).toContain('context ingestOutageBudgetSeconds:');
  });

  it('rejects a record age shorter than the retries need', () => {
    expect(message({ maxRecordAgeSeconds: '600' })).toContain('context maxRecordAgeSeconds:');
  });

  it('accepts cdk.json types and -c strings alike', () => {
    expect(
      read({
        batchSize: 500,
        useRdsProxy: true,
        availabilityZones: ['a', 'b'],
        privateSubnetIds: 's1,s2',
        vpcId: 'vpc-1',
        vpcCidr: '10.0.0.0/16',
      }).consumer.batchSize,
    ).toBe(500);
    expect(read({ batchSize: '500', useRdsProxy: 'true' }).database.useProxy).toBe(true);
  });

  it('maps a cluster ARN to its topic and group ARNs', () => {
    expect(kafkaResourceArns('arn:aws:kafka:eu-west-1:123456789012:cluster/c/u-1', 't', 'g')).toEqual({
      topicArn: 'arn:aws:kafka:eu-west-1:123456789012:topic/c/u-1/t',
      groupArn: 'arn:aws:kafka:eu-west-1:123456789012:group/c/u-1/g',
    });
  });
});
