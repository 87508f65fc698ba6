import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_CA_BUNDLE, migrationsSha256 } from '../../infra/constructs/database.js';
import { READ_ROUTES } from '../../infra/constructs/http-api.js';
import { EXAMPLE_CLUSTER_ARN } from '../../infra/config.js';
import { AwsSolutionsChecks } from '../../infra/nag.js';
import { functionByService, resourcesOf, synthPipeline } from './synth.js';

/**
 * The dev stage as `cdk synth` builds it with the default context (real esbuild bundles), checked
 * on the synthesized CloudFormation template.
 */
let synth: ReturnType<typeof synthPipeline>;
let template: Template;

beforeAll(() => {
  synth = synthPipeline();
  template = synth.template;
}, 180_000);

const APP_SERVICES = ['ingest', 'api', 'submit', 'migrate'] as const;
const TOPIC_ARN = 'arn:aws:kafka:eu-west-1:123456789012:topic/orders/11111111-2222-3333-4444-555555555555-1/orders';
const GROUP_ARN = 'arn:aws:kafka:eu-west-1:123456789012:group/orders/11111111-2222-3333-4444-555555555555-1/order-pipeline-ingest-dev';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** Every statement of the inline policies attached to a function's role. */
function statementsOf(service: string): Statement[] {
  const [, fn] = functionByService(template, service);
  const roleId = ((fn.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'])[0];
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
    .flatMap(([, policy]) => (policy.PolicyDocument as { Statement: Statement[] }).Statement);
}

function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]));
}

function resourcesFor(statements: Statement[], action: string): unknown[] {
  return statements
    .filter((statement) => actionsOf([statement]).includes(action))
    .flatMap((statement) => (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]));
}

type Rule = { FromPort: unknown; ToPort: unknown; CidrIp?: string; SourceSecurityGroupId?: { 'Fn::GetAtt': [string, string] } };

/** Rules declared as their own resources (CDK does so to avoid reference cycles). */
function separateRules(type: string, groupId: string): Rule[] {
  return resourcesOf(template, type)
    .filter(([, rule]) => JSON.stringify(rule.GroupId) === JSON.stringify({ 'Fn::GetAtt': [groupId, 'GroupId'] }))
    .map(([, rule]) => rule as Rule);
}

function ports(rule: Rule): string {
  return rule.FromPort === rule.ToPort ? String(rule.FromPort) : `${String(rule.FromPort)}-${String(rule.ToPort)}`;
}

function securityGroupIdOf(service: string): string {
  const [, fn] = functionByService(template, service);
  const ids = (fn.VpcConfig as { SecurityGroupIds: Array<{ 'Fn::GetAtt': [string, string] }> }).SecurityGroupIds;
  expect(ids).toHaveLength(1);
  return ids[0]!['Fn::GetAtt'][0];
}

describe('MSK event-source mapping of the consumer', () => {
  it('uses provisioned pollers, partial batch responses, bounded retries, bisect, a record age limit and the SQS on-failure destination', () => {
    const [ingestId] = functionByService(template, 'ingest');
    const [queueId] = resourcesOf(template, 'AWS::SQS::Queue')[0]!;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: ingestId },
      EventSourceArn: EXAMPLE_CLUSTER_ARN,
      Topics: ['orders'],
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'order-pipeline-ingest-dev' },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10,
      BisectBatchOnFunctionError: true,
      MaximumRecordAgeInSeconds: 21_600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
  });

  it('is created only after the deploy-time migrations have run', () => {
    const [triggerId] = resourcesOf(template, 'Custom::Trigger')[0]!;
    template.hasResource('AWS::Lambda::EventSourceMapping', { DependsOn: Match.arrayWith([triggerId]) });
  });

  it('sends failed batches to an encrypted queue that only accepts TLS', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('functions', () => {
  it.each(APP_SERVICES)('%s runs Node.js 24 on arm64 in the private subnets', (service) => {
    const [, fn] = functionByService(template, service);
    expect(fn.Runtime).toBe('nodejs24.x');
    expect(fn.Architectures).toEqual(['arm64']);
    const vpcConfig = fn.VpcConfig as { SubnetIds: unknown[]; SecurityGroupIds: unknown[] };
    expect(vpcConfig.SubnetIds).toHaveLength(2);
    expect(vpcConfig.SecurityGroupIds.length).toBeGreaterThan(0);
  });

  it.each(APP_SERVICES)('%s has no secret value in its environment', (service) => {
    const [, fn] = functionByService(template, service);
    const environment = JSON.stringify(fn.Environment);
    expect(environment).not.toMatch(/resolve:secretsmanager|SecretString|password/i);
  });

  it('gives the database clients the secret ARN and the Lambda CA bundle, never the credentials', () => {
    // The secret as attached to the instance (CDK's reference to the same ARN).
    const secretId = resourcesOf(template, 'AWS::SecretsManager::SecretTargetAttachment')[0]![0];
    for (const service of ['ingest', 'api', 'migrate']) {
      const [, fn] = functionByService(template, service);
      expect((fn.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        DB_SECRET_ARN: { Ref: secretId },
        DB_NAME: 'orders',
        NODE_EXTRA_CA_CERTS: LAMBDA_CA_BUNDLE,
      });
    }
  });

  it('configures the read cache and keeps the reader away from Kafka', () => {
    const [, api] = functionByService(template, 'api');
    const variables = (api.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({ CACHE_MAX_ENTRIES: '50000', CACHE_MAX_BYTES: String(64 * 1024 * 1024) });
    expect(Object.keys(variables).filter((name) => name.startsWith('KAFKA_'))).toEqual([]);
    expect(actionsOf(statementsOf('api')).filter((action) => action.startsWith('kafka'))).toEqual([]);
  });

  it('points the submitter at the brokers with IAM auth and keeps it away from the database', () => {
    const [, submit] = functionByService(template, 'submit');
    const variables = (submit.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({ KAFKA_TOPIC: 'orders', KAFKA_AUTH: 'iam', KAFKA_BROKERS: expect.stringContaining(':9098') });
    expect(variables.DB_SECRET_ARN).toBeUndefined();
    expect(actionsOf(statementsOf('submit')).filter((action) => action.startsWith('secretsmanager'))).toEqual([]);
  });

  it('traces the API functions with X-Ray and leaves the Kafka consumer untraced (unsupported by AWS)', () => {
    for (const service of ['api', 'submit']) {
      const [, fn] = functionByService(template, service);
      expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
      expect((fn.Environment as { Variables: Record<string, unknown> }).Variables.POWERTOOLS_TRACE_ENABLED).toBe('true');
    }
    const [, ingest] = functionByService(template, 'ingest');
    expect(ingest.TracingConfig).toBeUndefined();
    expect((ingest.Environment as { Variables: Record<string, unknown> }).Variables.POWERTOOLS_TRACE_ENABLED).toBe('false');
  });
});

describe('IAM for Kafka', () => {
  it('lets the consumer connect, read the one topic and use its one consumer group', () => {
    const statements = statementsOf('ingest');
    expect(resourcesFor(statements, 'kafka-cluster:Connect')).toEqual([EXAMPLE_CLUSTER_ARN]);
    expect(resourcesFor(statements, 'kafka-cluster:DescribeClusterDynamicConfiguration')).toEqual([EXAMPLE_CLUSTER_ARN]);
    expect(resourcesFor(statements, 'kafka-cluster:ReadData')).toEqual([TOPIC_ARN]);
    expect(resourcesFor(statements, 'kafka-cluster:DescribeTopic')).toEqual([TOPIC_ARN]);
    expect(resourcesFor(statements, 'kafka-cluster:DescribeGroup')).toEqual([GROUP_ARN]);
    expect(resourcesFor(statements, 'kafka-cluster:AlterGroup')).toEqual([GROUP_ARN]);
    expect(actionsOf(statements)).not.toContain('kafka-cluster:WriteData');
  });

  it('lets the submitter write to the one topic and nothing else in Kafka', () => {
    const statements = statementsOf('submit');
    expect(resourcesFor(statements, 'kafka-cluster:Connect')).toEqual([EXAMPLE_CLUSTER_ARN]);
    expect(resourcesFor(statements, 'kafka-cluster:WriteData')).toEqual([TOPIC_ARN]);
    expect(resourcesFor(statements, 'kafka-cluster:DescribeTopic')).toEqual([TOPIC_ARN]);
    const kafkaActions = actionsOf(statements).filter((action) => action.startsWith('kafka-cluster:'));
    expect(kafkaActions.sort()).toEqual(
      ['kafka-cluster:Connect', 'kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData', 'kafka-cluster:WriteDataIdempotently'].sort(),
    );
  });

  it('grants no kafka-cluster wildcard to anyone', () => {
    const all = resourcesOf(template, 'AWS::IAM::Policy').flatMap(([, policy]) =>
      actionsOf((policy.PolicyDocument as { Statement: Statement[] }).Statement),
    );
    expect(all.filter((action) => action.startsWith('kafka-cluster:') && action.includes('*'))).toEqual([]);
  });
});

describe('network', () => {
  it('has private isolated subnets, no NAT, no internet gateway, and endpoints for Secrets Manager and SQS', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    for (const service of ['secretsmanager', 'sqs']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: true,
        ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([`.${service}`])] }),
      });
    }
  });

  it('lets the database clients out to PostgreSQL and the endpoints only', () => {
    const clientsId = securityGroupIdOf('ingest');
    const egress = [
      ...(template.toJSON().Resources[clientsId].Properties.SecurityGroupEgress as Rule[]),
      ...separateRules('AWS::EC2::SecurityGroupEgress', clientsId),
    ];
    expect(egress.map(ports).sort()).toEqual(['443', '5432']);
    expect(securityGroupIdOf('api')).toBe(clientsId);
    expect(securityGroupIdOf('migrate')).toBe(clientsId);
  });

  it('lets the submitter out to the brokers IAM port only', () => {
    const sg = template.toJSON().Resources[securityGroupIdOf('submit')].Properties;
    expect(sg.SecurityGroupEgress).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: 9098, ToPort: 9098 })]);
    expect(securityGroupIdOf('submit')).not.toBe(securityGroupIdOf('ingest'));
  });

  it('opens PostgreSQL only to the database clients (and the secret rotation function)', () => {
    const [dbId, db] = resourcesOf(template, 'AWS::RDS::DBInstance')[0]!;
    const dbSgId = (db.VPCSecurityGroups as Array<{ 'Fn::GetAtt': [string, string] }>)[0]!['Fn::GetAtt'][0];
    const ingress = [
      ...((template.toJSON().Resources[dbSgId].Properties.SecurityGroupIngress as Rule[] | undefined) ?? []),
      ...separateRules('AWS::EC2::SecurityGroupIngress', dbSgId),
    ];
    const rotationSgId = resourcesOf(template, 'AWS::EC2::SecurityGroup').find(([id]) => id.includes('RotationSingleUser'))![0];
    // The rotation rule's port is the instance's Endpoint.Port attribute: 5432 once deployed.
    const endpointPort = JSON.stringify({ 'Fn::GetAtt': [dbId, 'Endpoint.Port'] });
    const sources = ingress.map((rule) => {
      expect(rule.CidrIp).toBeUndefined();
      expect([5432, endpointPort]).toContain(typeof rule.FromPort === 'number' ? rule.FromPort : JSON.stringify(rule.FromPort));
      return rule.SourceSecurityGroupId?.['Fn::GetAtt'][0];
    });
    expect(sources.sort()).toEqual([securityGroupIdOf('ingest'), rotationSgId].sort());
  });
});

describe('database', () => {
  it('is PostgreSQL 17, private, encrypted, with TLS forced by its parameter group', () => {
    const [, db] = resourcesOf(template, 'AWS::RDS::DBInstance')[0]!;
    expect(db).toMatchObject({ Engine: 'postgres', PubliclyAccessible: false, StorageEncrypted: true, DBName: 'orders' });
    expect(String(db.EngineVersion)).toMatch(/^17/);
    const parameterGroupId = (db.DBParameterGroupName as { Ref: string }).Ref;
    expect(template.toJSON().Resources[parameterGroupId].Properties.Parameters).toEqual({ 'rds.force_ssl': '1' });
  });

  it('takes its credentials from a generated, rotated secret', () => {
    const [, db] = resourcesOf(template, 'AWS::RDS::DBInstance')[0]!;
    expect(JSON.stringify(db.MasterUserPassword)).toContain('resolve:secretsmanager');
    template.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ ExcludeCharacters: Match.anyValue() }) });
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(30 days)' } });
  });

  it('has the dev stage safeguards off (no deletion protection, no backups, single AZ)', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', { DeletionProtection: false, BackupRetentionPeriod: 0, MultiAZ: false });
    template.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Delete' });
    template.resourceCountIs('AWS::RDS::DBProxy', 0);
  });
});

describe('deploy-time migrations', () => {
  it('invokes the migrate function from a Trigger that carries the hash of migrations/*.sql', () => {
    const [migrateId] = functionByService(template, 'migrate');
    const [triggerId, trigger] = resourcesOf(template, 'Custom::Trigger')[0]!;
    expect(trigger).toMatchObject({ InvocationType: 'RequestResponse', Timeout: '300000', MigrationsSha256: migrationsSha256() });
    const versionId = (trigger.HandlerArn as { Ref: string }).Ref;
    expect(template.toJSON().Resources[versionId].Properties.FunctionName).toEqual({ Ref: migrateId });
    const [dbId] = resourcesOf(template, 'AWS::RDS::DBInstance')[0]!;
    template.hasResource('Custom::Trigger', { DependsOn: Match.arrayWith([dbId]) });
    const [apiId] = functionByService(template, 'api');
    expect(template.toJSON().Resources[apiId].DependsOn).toContain(triggerId);
  });
});

describe('HTTP API', () => {
  it('routes the read paths and $default to the read function, unauthenticated', () => {
    const routes = resourcesOf(template, 'AWS::ApiGatewayV2::Route').map(([, route]) => route);
    const keys = routes.map((route) => route.RouteKey);
    for (const route of READ_ROUTES) expect(keys).toContain(`${route.method} ${route.path}`);
    expect(keys).toContain('$default');
    expect(routes.length).toBe(READ_ROUTES.length + 2);
    for (const route of routes.filter((r) => r.RouteKey !== 'POST /orders')) expect(route.AuthorizationType).toBe('NONE');
  });

  it('requires IAM (SigV4) on POST /orders, which goes to the submit function', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /orders', AuthorizationType: 'AWS_IAM' });
    const [submitId] = functionByService(template, 'submit');
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [submitId, 'Arn'] },
    });
  });

  it('throttles the $default stage and writes access logs to a log group', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] }, Format: Match.anyValue() },
    });
  });

  it('outputs the endpoint URL', () => {
    template.hasOutput('ApiUrl', { Value: { 'Fn::GetAtt': [Match.anyValue(), 'ApiEndpoint'] } });
  });
});

describe('alarms and dashboard', () => {
  const alarmOn = (metricName: string) =>
    resourcesOf(template, 'AWS::CloudWatch::Alarm')
      .map(([, alarm]) => alarm)
      .find((alarm) => alarm.MetricName === metricName);

  it.each([
    ['ApproximateNumberOfMessagesVisible', 'AWS/SQS', 0],
    ['Errors', 'AWS/Lambda', 0],
    ['OffsetLag', 'AWS/Lambda', 10_000],
    ['5xx', 'AWS/ApiGateway', 5],
    ['CPUUtilization', 'AWS/RDS', 80],
    ['DatabaseConnections', 'AWS/RDS', 60],
  ])('alarms on %s (%s) above %d, to the SNS topic', (metricName, namespace, threshold) => {
    const alarm = alarmOn(metricName);
    expect(alarm).toMatchObject({ Namespace: namespace, Threshold: threshold, ComparisonOperator: 'GreaterThanThreshold' });
    const [topicId] = resourcesOf(template, 'AWS::SNS::Topic')[0]!;
    expect(alarm?.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it('measures the offset lag of the consumer function', () => {
    const [ingestId] = functionByService(template, 'ingest');
    expect(alarmOn('OffsetLag')?.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: ingestId } }]);
  });

  it('encrypts the alarm topic and has one dashboard', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged error', () => {
    const report = new AwsSolutionsChecks().validateScope(synth.app);
    const errors = report.violations.filter((violation) => violation.severity === 'error');
    const warnings = report.violations.filter((violation) => violation.severity !== 'error');
    console.log(`cdk-nag: ${errors.length} errors, ${warnings.length} warnings (${warnings.map((w) => w.ruleName).join(', ') || 'none'})`);
    expect(errors.map((error) => `${error.ruleName} at ${error.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('gives every acknowledgement a reason', () => {
    const acknowledged = synth.app.node
      .findAll()
      .flatMap((construct) => construct.node.metadata.filter((entry) => entry.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((entry) => Object.entries(entry.data as Record<string, unknown>))
      .filter(([id]) => id.includes('AwsSolutions-'));
    console.log(`cdk-nag acknowledgements:\n${acknowledged.map(([id, reason]) => `  ${id}: ${String(reason)}`).join('\n')}`);
    expect(acknowledged.length).toBeGreaterThan(5);
    for (const [id, reason] of acknowledged) expect(String(reason), id).toMatch(/\w+ \w+ \w+/);
  });
});
