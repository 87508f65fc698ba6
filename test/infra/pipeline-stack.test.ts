/**
 * The dev stage as `cdk synth` builds it with the default context (real esbuild bundles), checked
 * on the synthesized CloudFormation template.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_CA_BUNDLE, migrationsSha256 } from '../../infra/constructs/database.js';
import { DEFAULT_ROUTE, ROUTES, SCOPES } from '../../shared/http/routes.js';
import { METRIC, METRICS_NAMESPACE, SERVICES } from '../../shared/metrics.js';
import { EXAMPLE_CLUSTER_ARN } from '../../infra/config.js';
import { AwsSolutionsChecks } from '../../infra/nag.js';
import { dependencyCycle, functionByService, resourcesOf, synthPipeline, variablesOf } from './synth.js';

let synth: ReturnType<typeof synthPipeline>;
let template: Template;

beforeAll(() => {
  synth = synthPipeline();
  template = synth.template;
}, 180_000);

const APP_SERVICES = ['ingest', 'api', 'submit', 'migrate'] as const;
const TOPIC_ARN = 'arn:aws:kafka:eu-west-1:123456789012:topic/orders/11111111-2222-3333-4444-555555555555-1/orders';
const GROUP_ARN = 'arn:aws:kafka:eu-west-1:123456789012:group/orders/11111111-2222-3333-4444-555555555555-1/order-pipeline-ingest-dev';
const DLQ_TOPIC_ARN = 'arn:aws:kafka:eu-west-1:123456789012:topic/orders/11111111-2222-3333-4444-555555555555-1/orders.dlq';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** Every statement of the inline policies attached to a function's role. */
function statementsOf(service: string): Statement[] {
  const [, fn] = functionByService(template, service);
  const roleId = (fn.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
    .flatMap(([, policy]) => (policy.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** Logical id of each secret attachment, by the username its secret was generated for. */
function roleSecrets(): Record<string, string> {
  const resources = template.toJSON().Resources as Record<string, { Properties: Record<string, unknown> }>;
  return Object.fromEntries(
    resourcesOf(template, 'AWS::SecretsManager::SecretTargetAttachment').map(([id, attachment]) => {
      const secretId = (attachment.SecretId as { Ref: string }).Ref;
      const generate = resources[secretId]!.Properties.GenerateSecretString as { SecretStringTemplate: string };
      return [(JSON.parse(generate.SecretStringTemplate) as { username: string }).username, id];
    }),
  );
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
  it('uses provisioned pollers, partial batch responses, 10 retries, bisect, a record age limit and the Kafka DLQ topic', () => {
    const [ingestId] = functionByService(template, 'ingest');
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
      // The failed records themselves, on the same cluster (kafka-on-failure-destination.html).
      DestinationConfig: { OnFailure: { Destination: 'kafka://orders.dlq' } },
    });
  });

  it('has no SQS queue, queue policy or SQS endpoint left from the old metadata-only destination', () => {
    template.resourceCountIs('AWS::SQS::Queue', 0);
    template.resourceCountIs('AWS::SQS::QueuePolicy', 0);
    expect(JSON.stringify(resourcesOf(template, 'AWS::EC2::VPCEndpoint'))).not.toContain('.sqs');
    expect(actionsOf(statementsOf('ingest')).filter((action) => action.startsWith('sqs:'))).toEqual([]);
  });

  it('is created only after the deploy-time migrations have run', () => {
    const [triggerId] = resourcesOf(template, 'Custom::Trigger')[0]!;
    template.hasResource('AWS::Lambda::EventSourceMapping', { DependsOn: Match.arrayWith([triggerId]) });
  });
});

describe('ingest outage budget', () => {
  it('waits up to 240 s for the database inside an invocation whose timeout is the budget plus a minute', () => {
    const [, ingest] = functionByService(template, 'ingest');
    expect(variablesOf(template, 'ingest').INGEST_OUTAGE_BUDGET_SECONDS).toBe('240');
    expect(ingest.Timeout).toBe(300);
    // Kafka-triggered functions may run 14 minutes at most (with-msk-configure.html).
    expect(ingest.Timeout as number).toBeLessThanOrEqual(14 * 60);
  });

  it('keeps records long enough for every retry to wait out its budget', () => {
    const [, mapping] = resourcesOf(template, 'AWS::Lambda::EventSourceMapping')[0]!;
    const [, ingest] = functionByService(template, 'ingest');
    const attempts = (mapping.MaximumRetryAttempts as number) + 1;
    expect(mapping.MaximumRecordAgeInSeconds as number).toBeGreaterThanOrEqual(attempts * (ingest.Timeout as number));
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

  it('gives each database client its own secret ARN and the Lambda CA bundle, never the credentials', () => {
    const secrets = roleSecrets();
    expect(variablesOf(template, 'ingest')).toMatchObject({
      DB_SECRET_ARN: { Ref: secrets.orders_writer },
      DB_NAME: 'orders',
      NODE_EXTRA_CA_CERTS: LAMBDA_CA_BUNDLE,
    });
    expect(variablesOf(template, 'api')).toMatchObject({
      DB_SECRET_ARN: { Ref: secrets.orders_reader },
      DB_NAME: 'orders',
      NODE_EXTRA_CA_CERTS: LAMBDA_CA_BUNDLE,
    });
    expect(variablesOf(template, 'migrate')).toMatchObject({
      DB_SECRET_ARN: { Ref: secrets.orders_admin },
      DB_WRITER_SECRET_ARN: { Ref: secrets.orders_writer },
      DB_READER_SECRET_ARN: { Ref: secrets.orders_reader },
      NODE_EXTRA_CA_CERTS: LAMBDA_CA_BUNDLE,
    });
  });

  it('lets each function read its own secret only (the migrations all three)', () => {
    const secrets = roleSecrets();
    const readable = (service: string) =>
      resourcesFor(statementsOf(service), 'secretsmanager:GetSecretValue')
        .map((resource) => (resource as { Ref: string }).Ref)
        .sort();
    expect(readable('ingest')).toEqual([secrets.orders_writer]);
    expect(readable('api')).toEqual([secrets.orders_reader]);
    expect(readable('migrate')).toEqual([secrets.orders_admin, secrets.orders_reader, secrets.orders_writer].sort());
    expect(readable('submit')).toEqual([]);
  });

  it('caps the runtime functions with reserved concurrency and a pool size, as the connection budget counts them', () => {
    const [, ingest] = functionByService(template, 'ingest');
    const [, api] = functionByService(template, 'api');
    expect(ingest.ReservedConcurrentExecutions).toBe(6);
    expect(api.ReservedConcurrentExecutions).toBe(10);
    expect(variablesOf(template, 'ingest').DB_POOL_MAX).toBe('2');
    expect(variablesOf(template, 'api').DB_POOL_MAX).toBe('2');
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

  it("traces the API functions with Lambda's active X-Ray tracing and leaves the Kafka consumer untraced (unsupported by AWS)", () => {
    for (const service of ['api', 'submit']) {
      const [, fn] = functionByService(template, service);
      expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
    }
    const [, ingest] = functionByService(template, 'ingest');
    expect(ingest.TracingConfig).toBeUndefined();
    // No code of ours emits segments any more (docs/deploy.md, Observability): no variable to switch it.
    for (const [, fn] of resourcesOf(template, 'AWS::Lambda::Function'))
      expect((fn.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.POWERTOOLS_TRACE_ENABLED).toBeUndefined();
  });
});

describe('IAM for Kafka', () => {
  it('lets the consumer connect, read the one topic and use its one consumer group', () => {
    const statements = statementsOf('ingest');
    expect(resourcesFor(statements, 'kafka-cluster:Connect')).toEqual([EXAMPLE_CLUSTER_ARN]);
    expect(resourcesFor(statements, 'kafka-cluster:DescribeClusterDynamicConfiguration')).toEqual([EXAMPLE_CLUSTER_ARN]);
    expect(resourcesFor(statements, 'kafka-cluster:ReadData')).toEqual([TOPIC_ARN]);
    expect(resourcesFor(statements, 'kafka-cluster:DescribeGroup')).toEqual([GROUP_ARN]);
    expect(resourcesFor(statements, 'kafka-cluster:AlterGroup')).toEqual([GROUP_ARN]);
  });

  it('lets the mapping write the failed records to the DLQ topic, and to no other topic', () => {
    const statements = statementsOf('ingest');
    expect(resourcesFor(statements, 'kafka-cluster:WriteData')).toEqual([DLQ_TOPIC_ARN]);
    expect(resourcesFor(statements, 'kafka-cluster:DescribeTopic').sort()).toEqual([DLQ_TOPIC_ARN, TOPIC_ARN].sort());
    expect(resourcesFor(statements, 'kafka-cluster:DescribeCluster')).toEqual([EXAMPLE_CLUSTER_ARN]);
    expect(resourcesFor(statements, 'kafka:Produce')).toEqual([EXAMPLE_CLUSTER_ARN]);
    expect(resourcesFor(statements, 'kafka-cluster:ReadData')).not.toContain(DLQ_TOPIC_ARN);
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
  it('has private isolated subnets, no NAT, no internet gateway, and one interface endpoint: Secrets Manager', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
      ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['.secretsmanager'])] }),
    });
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
    const rotationSgIds = resourcesOf(template, 'AWS::EC2::SecurityGroup')
      .filter(([id]) => /Rotation/.test(id))
      .map(([id]) => id);
    expect(rotationSgIds).toHaveLength(3);
    // The rotation rule's port is the instance's Endpoint.Port attribute: 5432 once deployed.
    const endpointPort = JSON.stringify({ 'Fn::GetAtt': [dbId, 'Endpoint.Port'] });
    const rotation = new Set(rotationSgIds);
    const sources = ingress.map((rule) => {
      expect(rule.CidrIp).toBeUndefined();
      const source = rule.SourceSecurityGroupId?.['Fn::GetAtt'][0];
      // The clients' rules name 5432; the rotation functions' rules name the Endpoint.Port attribute.
      const expectedPort = source !== undefined && rotation.has(source) ? endpointPort : 5432;
      expect(typeof rule.FromPort === 'number' ? rule.FromPort : JSON.stringify(rule.FromPort)).toEqual(expectedPort);
      return source;
    });
    expect(sources.sort()).toEqual([securityGroupIdOf('ingest'), ...rotationSgIds].sort());
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

  it('has three generated secrets (master, orders_writer, orders_reader), each attached to the instance', () => {
    const [dbId, db] = resourcesOf(template, 'AWS::RDS::DBInstance')[0]!;
    expect(JSON.stringify(db.MasterUserPassword)).toContain('resolve:secretsmanager');
    expect(Object.keys(roleSecrets()).sort()).toEqual(['orders_admin', 'orders_reader', 'orders_writer']);
    for (const [, attachment] of resourcesOf(template, 'AWS::SecretsManager::SecretTargetAttachment')) {
      expect(attachment).toMatchObject({ TargetId: { Ref: dbId }, TargetType: 'AWS::RDS::DBInstance' });
    }
  });

  it('rotates each secret every 30 days, never on creation, and only after the migrations Trigger has run', () => {
    const [triggerId] = resourcesOf(template, 'Custom::Trigger')[0]!;
    const schedules = resourcesOf(template, 'AWS::SecretsManager::RotationSchedule');
    expect(schedules).toHaveLength(3);
    for (const [id, schedule] of schedules) {
      expect(schedule).toMatchObject({ RotationRules: { ScheduleExpression: 'rate(30 days)' }, RotateImmediatelyOnUpdate: false });
      expect(template.toJSON().Resources[id].DependsOn, id).toContain(triggerId);
    }
    // Each rotated secret is one of the three attachments.
    const rotated = schedules.map(([, schedule]) => (schedule.SecretId as { Ref: string }).Ref).sort();
    expect(rotated).toEqual(
      resourcesOf(template, 'AWS::SecretsManager::SecretTargetAttachment')
        .map(([id]) => id)
        .sort(),
    );
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
  type Route = { RouteKey: string; AuthorizationType: string; AuthorizationScopes?: string[]; AuthorizerId?: unknown };
  const routes = () =>
    new Map(resourcesOf(template, 'AWS::ApiGatewayV2::Route').map(([, route]) => [route.RouteKey as string, route as unknown as Route]));

  it('has exactly the routes of shared/http/routes.ts and $default', () => {
    expect([...routes().keys()].sort()).toEqual([...ROUTES.map((route) => route.key), DEFAULT_ROUTE.key].sort());
  });

  it.each(ROUTES.filter((route) => route.auth.kind === 'public').map((route) => route.key))('%s is public: no authorizer', (key) => {
    expect(routes().get(key)).toMatchObject({ AuthorizationType: 'NONE' });
    expect(routes().get(key)?.AuthorizationScopes).toBeUndefined();
  });

  it.each([
    ['GET /orders', SCOPES.read],
    ['GET /orders/{order_uid}', SCOPES.read],
    ['$default', SCOPES.read],
    ['GET /cache/stats', SCOPES.admin],
  ])('%s needs a JWT with %s', (key, scope) => {
    const [authorizerId] = resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer')[0]!;
    expect(routes().get(key)).toMatchObject({
      AuthorizationType: 'JWT',
      AuthorizationScopes: [scope],
      AuthorizerId: { Ref: authorizerId },
    });
  });

  it('requires IAM (SigV4) on POST /orders, which goes to the submit function', () => {
    expect(routes().get('POST /orders')).toMatchObject({ AuthorizationType: 'AWS_IAM' });
    const [submitId] = functionByService(template, 'submit');
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [submitId, 'Arn'] },
    });
  });

  it('has no CORS configuration: the page is same-origin', () => {
    const [, api] = resourcesOf(template, 'AWS::ApiGatewayV2::Api')[0]!;
    expect(api.CorsConfiguration).toBeUndefined();
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

describe('function log groups', () => {
  it.each([
    ['IngestLogGroup', 'ingest'],
    ['ApiLogGroup', 'api'],
    ['SubmitLogGroup', 'submit'],
    ['MigrateLogGroup', 'migrate'],
  ])('outputs %s, the log group the %s function writes to', (output, service) => {
    const [, fn] = functionByService(template, service);
    const logGroup = (fn.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup;
    template.hasOutput(output, { Value: logGroup });
    expect(resourcesOf(template, 'AWS::Logs::LogGroup').map(([id]) => id)).toContain(logGroup.Ref);
  });
});

describe('sign-in (Cognito)', () => {
  const poolId = () => resourcesOf(template, 'AWS::Cognito::UserPool')[0]![0];
  const clients = () => resourcesOf(template, 'AWS::Cognito::UserPoolClient');
  /** The page's clients: those with the code grant (the smoke test's machine client is test/infra/constructs-sign-in.test.ts's). */
  const pageClients = () => clients().filter(([, client]) => JSON.stringify(client.AllowedOAuthFlows) === '["code"]');

  it('has a user pool without self sign-up, with a strong password policy and optional MFA', () => {
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'OPTIONAL',
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
    });
  });

  it('has a resource server with the read, write and admin scopes of shared/http/routes.ts', () => {
    const [, server] = resourcesOf(template, 'AWS::Cognito::UserPoolResourceServer')[0]!;
    expect(server.Identifier).toBe('orders');
    const scopes = (server.Scopes as Array<{ ScopeName: string }>).map((scope) => `orders/${scope.ScopeName}`).sort();
    expect(scopes).toEqual(Object.values(SCOPES).sort());
  });

  it('has one public app client (no secret) with the code grant, redirecting to the API URL', () => {
    expect(pageClients()).toHaveLength(1);
    const [id, client] = pageClients()[0]!;
    expect(client.GenerateSecret, id).toBe(false);
    expect(client).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      SupportedIdentityProviders: ['COGNITO'],
    });
    expect(JSON.stringify(client.CallbackURLs)).toContain('ApiEndpoint');
    expect(JSON.stringify(client.LogoutURLs)).toContain('ApiEndpoint');
    expect(variablesOf(template, 'api').AUTH_CLIENT_ID).toEqual({ Ref: id });
  });

  it('lets the app client ask for the read scope only: admin and write come from groups', () => {
    const [, client] = pageClients()[0]!;
    const scopes = (client.AllowedOAuthScopes as unknown[]).map((scope) => JSON.stringify(scope));
    expect(scopes.filter((scope) => scope.includes('/read'))).toHaveLength(1);
    expect(scopes.filter((scope) => scope.includes('/admin') || scope.includes('/write'))).toEqual([]);
    const groups = resourcesOf(template, 'AWS::Cognito::UserPoolGroup')
      .map(([, group]) => group.GroupName)
      .sort();
    expect(groups).toEqual(['orders-admin', 'orders-writer']);
  });

  it("has the page ask for exactly the app client's allowed scopes (Cognito refuses any other)", () => {
    // CloudFormation values as text: a Ref becomes its logical id, Fn::Join joins its parts.
    const text = (value: unknown): string => {
      if (typeof value === 'string') return value;
      const { Ref, 'Fn::Join': join } = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
      if (Ref) return `\${${Ref}}`;
      if (join) return join[1].map(text).join(join[0]);
      throw new Error(`unexpected value ${JSON.stringify(value)}`);
    };
    const [, client] = pageClients()[0]!;
    const allowed = (client.AllowedOAuthScopes as unknown[]).map(text).sort();
    const asked = text(variablesOf(template, 'api').AUTH_SCOPES).split(' ').sort();
    expect(asked).toEqual(allowed);
  });

  it('adds group scopes to access tokens with a version 2 pre-token-generation trigger', () => {
    const [, pool] = resourcesOf(template, 'AWS::Cognito::UserPool')[0]!;
    const trigger = (
      pool.LambdaConfig as { PreTokenGenerationConfig: { LambdaArn: { 'Fn::GetAtt': [string, string] }; LambdaVersion: string } }
    ).PreTokenGenerationConfig;
    expect(trigger.LambdaVersion).toBe('V2_0');
    const [fnId] = trigger.LambdaArn['Fn::GetAtt'];
    expect(template.toJSON().Resources[fnId].Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'cognito-idp.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
    });
  });

  it('has a hosted sign-in domain derived from the stack and account', () => {
    const [, domain] = resourcesOf(template, 'AWS::Cognito::UserPoolDomain')[0]!;
    expect(JSON.stringify(domain.Domain)).toContain('order-pipeline-dev-');
    expect(JSON.stringify(domain.Domain)).toContain('AWS::AccountId');
  });

  it('points the JWT authorizer at the pool and accepts the app client', () => {
    const [, authorizer] = resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer')[0]!;
    expect(authorizer.AuthorizerType).toBe('JWT');
    const jwt = authorizer.JwtConfiguration as { Issuer: unknown; Audience: unknown[] };
    // ProviderURL = https://cognito-idp.<region>.amazonaws.com/<pool id>, the tokens' `iss`.
    expect(jwt.Issuer).toEqual({ 'Fn::GetAtt': [poolId(), 'ProviderURL'] });
    expect(jwt.Audience.map((audience) => (audience as { Ref: string }).Ref).sort()).toEqual(
      clients()
        .map(([id]) => id)
        .sort(),
    );
  });

  it('outputs the pool, the sign-in domain and the client id', () => {
    for (const output of ['UserPoolId', 'SignInDomain', 'PageClientId', 'AuthIssuer']) template.hasOutput(output, {});
  });

  it('tells the read function how the page signs in', () => {
    const variables = variablesOf(template, 'api');
    for (const name of ['AUTH_ISSUER', 'AUTH_CLIENT_ID', 'AUTH_AUTHORIZE_URL', 'AUTH_TOKEN_URL', 'AUTH_LOGOUT_URL'])
      expect(variables[name], name).toBeDefined();
    expect(JSON.stringify(variables.AUTH_AUTHORIZE_URL)).toContain('/oauth2/authorize');
    expect(JSON.stringify(variables.AUTH_TOKEN_URL)).toContain('/oauth2/token');
    expect(JSON.stringify(variables.AUTH_LOGOUT_URL)).toContain('/logout');
  });
});

describe('alarms and dashboard', () => {
  const alarmOn = (metricName: string) =>
    resourcesOf(template, 'AWS::CloudWatch::Alarm')
      .map(([, alarm]) => alarm)
      .find((alarm) => alarm.MetricName === metricName);

  it.each([
    [METRIC.OrdersRejected, METRICS_NAMESPACE, 0],
    [METRIC.IngestDefects, METRICS_NAMESPACE, 0],
    ['Errors', 'AWS/Lambda', 0],
    ['OffsetLag', 'AWS/Lambda', 10_000],
    ['5xx', 'AWS/ApiGateway', 5],
    ['CPUUtilization', 'AWS/RDS', 80],
    ['DatabaseConnections', 'AWS/RDS', 67],
  ])('alarms on %s (%s) above %d, to the SNS topic', (metricName, namespace, threshold) => {
    const alarm = alarmOn(metricName);
    expect(alarm).toMatchObject({ Namespace: namespace, Threshold: threshold, ComparisonOperator: 'GreaterThanThreshold' });
    const [topicId] = resourcesOf(template, 'AWS::SNS::Topic')[0]!;
    expect(alarm?.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it('alarms on the rejected orders of the ingest service, which end in the DLQ topic', () => {
    expect(alarmOn(METRIC.OrdersRejected)?.Dimensions).toEqual([{ Name: 'service', Value: SERVICES.ingest }]);
  });

  it('measures the offset lag of the consumer function', () => {
    const [ingestId] = functionByService(template, 'ingest');
    expect(alarmOn('OffsetLag')?.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: ingestId } }]);
  });

  /** An account, region and partition to render the template's ARNs with (Fn::Join over pseudo parameters). */
  const PSEUDO: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '123456789012' };
  const render = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const ref = (value as { Ref?: string }).Ref;
    if (ref && ref in PSEUDO) return PSEUDO[ref]!;
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(render).join(join[0]);
    throw new Error(`cannot render ${JSON.stringify(value)}`);
  };
  /** IAM's ArnLike: `*` matches any run of characters, `?` one. */
  const arnLike = (pattern: string, arn: string) => {
    const escaped = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.');
    return new RegExp(`^${escaped}$`).test(arn);
  };
  type PolicyStatement = {
    Effect: string;
    Principal?: { Service?: string };
    Action: string | string[];
    Resource: unknown;
    Condition?: Record<string, Record<string, unknown>>;
  };
  const cloudWatchStatements = (statements: PolicyStatement[]) =>
    statements.filter((statement) => statement.Principal?.Service === 'cloudwatch.amazonaws.com');
  const alarmArns = () =>
    resourcesOf(template, 'AWS::CloudWatch::Alarm').map(
      ([, alarm]) => `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${String(alarm.AlarmName)}`,
    );

  /** The statement lets CloudWatch act for this account's alarms of this stack, and for no other source. */
  const expectScopedToTheseAlarms = (statement: PolicyStatement) => {
    expect(statement.Effect).toBe('Allow');
    expect(statement.Condition?.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    const pattern = render(statement.Condition?.ArnLike?.['aws:SourceArn']);
    expect(alarmArns().length).toBeGreaterThanOrEqual(6);
    for (const arn of alarmArns()) expect(arnLike(pattern, arn), arn).toBe(true);
    // Another stack's alarm in the same account (a second stage, say), or another account's, does not match.
    expect(arnLike(pattern, 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:OrderPipeline-staging.RejectedOrdersAlarm')).toBe(false);
    expect(arnLike(pattern, 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:OrderPipeline-dev-eu.RejectedOrdersAlarm')).toBe(false);
    expect(arnLike(pattern, alarmArns()[0]!.replace('123456789012', '210987654321'))).toBe(false);
  };

  it('lets CloudWatch publish to the alarm topic, for the alarms of this stack in this account only', () => {
    // A topic policy replaces SNS's default policy: without this Allow no alarm could notify anyone.
    const [topicId] = resourcesOf(template, 'AWS::SNS::Topic')[0]!;
    const policies = resourcesOf(template, 'AWS::SNS::TopicPolicy');
    expect(policies).toHaveLength(1);
    const [, policy] = policies[0]!;
    expect(policy.Topics).toEqual([{ Ref: topicId }]);
    const statements = cloudWatchStatements((policy.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Action: 'sns:Publish', Resource: { Ref: topicId } });
    expectScopedToTheseAlarms(statements[0]!);
  });

  it("lets CloudWatch use the topic's key (Decrypt, GenerateDataKey*), for the alarms of this stack in this account only", () => {
    const [topicId, topic] = resourcesOf(template, 'AWS::SNS::Topic')[0]!;
    expect(topicId).toBeDefined();
    const keyId = (topic.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const [, key] = resourcesOf(template, 'AWS::KMS::Key').find(([id]) => id === keyId)!;
    const statements = cloudWatchStatements((key.KeyPolicy as { Statement: PolicyStatement[] }).Statement);
    expect(statements).toHaveLength(1);
    expect([statements[0]!.Action].flat().sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expectScopedToTheseAlarms(statements[0]!);
  });

  it('encrypts the alarm topic and has one dashboard', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('template', () => {
  it('has no dependency cycle (CloudFormation would refuse it)', () => {
    expect(dependencyCycle(template)).toEqual([]);
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
