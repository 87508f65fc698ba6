/**
 * Named stages (infra/stages.ts): any number, each pinned to an account and region, with settings
 * of its own; two of them in one account and region must not collide on a physical name.
 * Bundling is skipped: names and settings are the concern here.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { contextErrorMessage, readContext, resourcesOf, synthPipeline, variablesOf } from './synth.js';

const ZONES = ['eu-west-1a', 'eu-west-1b'];
const STAGES = {
  dev: {},
  qa: { account: '111111111111', region: 'eu-west-1', availabilityZones: ZONES, mskTopic: 'orders-qa', dlqTopic: 'orders-qa.dlq' },
  // The second stage in the account: GitHub's OIDC provider exists once per account.
  staging: {
    account: '111111111111',
    region: 'eu-west-1',
    availabilityZones: ZONES,
    mskTopic: 'orders-staging',
    dlqTopic: 'orders-staging.dlq',
    createGithubOidcProvider: false,
  },
  prod: { account: '222222222222', region: 'us-east-1', protect: true, availabilityZones: ['us-east-1a', 'us-east-1b'] },
};
const shared = { stages: STAGES, useRdsProxy: 'true', alarmEmail: 'oncall@example.com' };

const read = readContext;
const message = contextErrorMessage;

describe('stages from context', () => {
  it('pins each stage to its account and region, and leaves dev environment-agnostic', () => {
    expect(read({ stages: STAGES, stage: 'qa' }).env).toEqual({ account: '111111111111', region: 'eu-west-1' });
    expect(read({ stages: STAGES, stage: 'prod' }).env).toEqual({ account: '222222222222', region: 'us-east-1' });
    expect(read({ stages: STAGES }).env).toBeUndefined();
  });

  it("lets a stage's settings win over the top-level keys, for that stage only", () => {
    expect(read({ stages: STAGES, stage: 'qa', mskTopic: 'orders-shared' }).msk.topic).toBe('orders-qa');
    expect(read({ stages: STAGES, stage: 'dev', mskTopic: 'orders-shared' }).msk.topic).toBe('orders-shared');
  });

  it('switches on the production safeguards where the stage says so', () => {
    expect(read({ stages: STAGES, stage: 'prod' }).database.protect).toBe(true);
    expect(read({ stages: STAGES, stage: 'staging' }).database.protect).toBe(false);
    expect(read({ stages: STAGES, stage: 'prod' }).logRetentionDays).toBe(90);
  });

  it('keeps dev and prod without a stages key', () => {
    expect(read({}).stage).toBe('dev');
    expect(read({ stage: 'prod' }).database.protect).toBe(true);
  });

  it('names the stages there are when an unknown one is asked for', () => {
    expect(message({ stages: STAGES, stage: 'uat' })).toContain('context stage: "uat" is not one of the stages (dev, qa, staging, prod)');
  });

  it('refuses an account without a region, a bad account, an unknown key and a bad stage name', () => {
    expect(message({ stages: { dev: { account: '111111111111' } } })).toContain('context stages.dev: account and region go together');
    const badAccount = message({ stages: { dev: { account: '1234', region: 'eu-west-1' } } });
    expect(badAccount).toContain('context stages.dev.account: an AWS account id');
    expect(message({ stages: { dev: { mskTopik: 'x' } } })).toContain('context stages.dev.mskTopik: not a context key');
    expect(message({ stages: { Dev_1: {} }, stage: 'Dev_1' })).toContain('context stages: stage names are lowercase');
  });

  it("validates a stage's settings like top-level keys", () => {
    expect(message({ stages: { dev: { batchSize: 0 } } })).toContain('context batchSize:');
  });
});

/** Properties that name a resource, unique per account and region (or per account): what a second stage must not repeat. */
const PHYSICAL_NAMES: Record<string, string> = {
  'AWS::RDS::DBProxy': 'DBProxyName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::CloudWatch::Dashboard': 'DashboardName',
  'AWS::Cognito::UserPool': 'UserPoolName',
  'AWS::Cognito::UserPoolDomain': 'Domain',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::OIDCProvider': 'Url',
  'AWS::ApiGatewayV2::Api': 'Name',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::SNS::Topic': 'TopicName',
};
function physicalNames(template: Template): string[] {
  const resources = Object.values(template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>);
  return resources.flatMap(({ Type, Properties }) => {
    const key = PHYSICAL_NAMES[Type];
    const value = key ? Properties?.[key] : undefined;
    return value === undefined ? [] : [`${Type} ${JSON.stringify(value)}`];
  });
}

describe('two stages in one account and region', () => {
  let qa: ReturnType<typeof synthPipeline>;
  let staging: ReturnType<typeof synthPipeline>;
  beforeAll(() => {
    qa = synthPipeline({ ...shared, stage: 'qa' }, { bundle: false });
    staging = synthPipeline({ ...shared, stage: 'staging' }, { bundle: false });
  }, 180_000);

  it('have stacks named after the stage, in that account and region', () => {
    expect([qa.stack.stackName, staging.stack.stackName]).toEqual(['OrderPipeline-qa', 'OrderPipeline-staging']);
    expect([qa.deployRoles.stackName, staging.deployRoles.stackName]).toEqual(['OrderPipeline-qa-deploy', 'OrderPipeline-staging-deploy']);
    expect([qa.stack.account, qa.stack.region]).toEqual([staging.stack.account, staging.stack.region]);
  });

  it('share no physical name: proxy, alarms, dashboard, user pool, sign-in domain, roles, OIDC provider', () => {
    const names = (synth: typeof qa) => [...physicalNames(synth.template), ...physicalNames(Template.fromStack(synth.deployRoles))];
    const qaNames = names(qa);
    const stagingNames = new Set(names(staging));
    expect(qaNames.length).toBeGreaterThanOrEqual(12);
    expect(qaNames.some((name) => name.includes('orderpipeline-qa-proxy'))).toBe(true);
    expect(qaNames.some((name) => name.startsWith('AWS::IAM::OIDCProvider'))).toBe(true);
    expect(qaNames.filter((name) => stagingNames.has(name))).toEqual([]);
  });

  it('read their own topics with their own consumer groups', () => {
    const mapping = (synth: typeof qa) => resourcesOf(synth.template, 'AWS::Lambda::EventSourceMapping')[0]![1];
    const readsFrom = (topic: string, group: string) => ({
      Topics: [topic],
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: group },
    });
    expect(mapping(qa)).toMatchObject(readsFrom('orders-qa', 'order-pipeline-ingest-qa'));
    expect(mapping(staging)).toMatchObject(readsFrom('orders-staging', 'order-pipeline-ingest-staging'));
    expect(variablesOf(qa.template, 'submit').KAFKA_TOPIC).toBe('orders-qa');
  });

  it('export nothing (export names are unique per account and region)', () => {
    for (const synth of [qa, staging]) {
      const outputs = Object.values(synth.template.toJSON().Outputs as Record<string, { Export?: unknown }>);
      expect(outputs.length).toBeGreaterThan(5);
      expect(outputs.filter((output) => output.Export !== undefined)).toEqual([]);
    }
  });

  it('build their VPC in the zones from context, with no lookup', () => {
    const subnets = resourcesOf(qa.template, 'AWS::EC2::Subnet').map(([, subnet]) => subnet.AvailabilityZone);
    expect(subnets.sort()).toEqual(ZONES);
    expect(qa.app.synth().manifest.missing ?? []).toEqual([]);
  });
});
