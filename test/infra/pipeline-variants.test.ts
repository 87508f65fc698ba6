import { Match, type Template } from 'aws-cdk-lib/assertions';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, kafkaResourceArns, readConfig } from '../../infra/config.js';
import { AwsSolutionsChecks } from '../../infra/nag.js';
import { functionByService, resourcesOf, synthPipeline } from './synth.js';

/**
 * The prod stage with every option switched on: an existing VPC read from context, RDS Proxy, a
 * JWT authorizer on POST /orders, the brokers' security group, an alarm e-mail and a forced
 * migration run. Bundling is skipped (the code is the dev test's and the CLI test's concern).
 */
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
  useRdsProxy: 'true',
  submitAuth: 'jwt',
  jwtIssuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example',
  jwtAudience: 'client-a,client-b',
  alarmEmail: 'oncall@example.com',
  migrateRunId: '2026-11-21T12:00',
};

let synth: ReturnType<typeof synthPipeline>;
let template: Template;

beforeAll(() => {
  synth = synthPipeline(PROD_CONTEXT, { bundle: false });
  template = synth.template;
}, 180_000);

function variables(service: string): Record<string, unknown> {
  const [, fn] = functionByService(template, service);
  return (fn.Environment as { Variables: Record<string, unknown> }).Variables;
}

describe('prod stage', () => {
  it('switches on deletion protection, backups, Multi-AZ and a snapshot on delete', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', { DeletionProtection: true, BackupRetentionPeriod: 7, MultiAZ: true });
    template.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' });
  });

  it('retains the failed-batch queue and the logs when the stack is deleted', () => {
    template.hasResource('AWS::SQS::Queue', { DeletionPolicy: 'Retain' });
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
    expect(policies).toContain('arn:aws:kafka:us-east-1:210987654321:group/prod-orders/abcd1234-0123-abcd-5678-1234abcd-1/order-pipeline-ingest-prod');
  });
});

describe('RDS Proxy', () => {
  it('requires TLS and sends the ingest and read functions through it, the migrations directly', () => {
    template.hasResourceProperties('AWS::RDS::DBProxy', { RequireTLS: true, EngineFamily: 'POSTGRESQL' });
    const [proxyId] = resourcesOf(template, 'AWS::RDS::DBProxy')[0]!;
    expect(variables('ingest').DB_HOST).toEqual({ 'Fn::GetAtt': [proxyId, 'Endpoint'] });
    expect(variables('api').DB_HOST).toEqual({ 'Fn::GetAtt': [proxyId, 'Endpoint'] });
    expect(variables('migrate').DB_HOST).toBeUndefined();
  });
});

describe('JWT authorizer on POST /orders', () => {
  it('uses the issuer and audiences from context', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: PROD_CONTEXT.jwtIssuer, Audience: ['client-a', 'client-b'] },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /orders', AuthorizationType: 'JWT' });
  });
});

describe('alarms e-mail and forced migration run', () => {
  it('subscribes the e-mail address to the alarm topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('puts migrateRunId on the Trigger so that it runs again', () => {
    template.hasResourceProperties('Custom::Trigger', { RunId: '2026-11-21T12:00', MigrationsSha256: Match.stringLikeRegexp('^[0-9a-f]{64}$') });
  });
});

describe('context validation', () => {
  const read = (context: Record<string, unknown>) => readConfig(new App({ context }).node);

  it('rejects a JWT authorizer without issuer and audience', () => {
    expect(() => read({ submitAuth: 'jwt' })).toThrow(ConfigError);
  });

  it('rejects an ARN that is not an MSK cluster', () => {
    expect(() => read({ mskClusterArn: 'arn:aws:sqs:eu-west-1:123456789012:queue' })).toThrow(/not an MSK cluster ARN/);
  });

  it('rejects an existing VPC without subnets and CIDR, and out-of-range numbers', () => {
    expect(() => read({ vpcId: 'vpc-1' })).toThrow(/vpcCidr/);
    expect(() => read({ batchSize: '0' })).toThrow(/batchSize/);
    expect(() => read({ stage: 'staging' })).toThrow(/dev, prod/);
    expect(() => read({ logRetentionDays: 10 })).toThrow(/logRetentionDays/);
  });

  it('maps a cluster ARN to its topic and group ARNs', () => {
    expect(kafkaResourceArns('arn:aws:kafka:eu-west-1:123456789012:cluster/c/u-1', 't', 'g')).toEqual({
      topicArn: 'arn:aws:kafka:eu-west-1:123456789012:topic/c/u-1/t',
      groupArn: 'arn:aws:kafka:eu-west-1:123456789012:group/c/u-1/g',
    });
  });
});
