import { Annotations, CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { PipelineConfig } from './config.js';
import { Database } from './constructs/database.js';
import { OrdersHttpApi } from './constructs/http-api.js';
import { Ingest } from './constructs/ingest.js';
import { Monitoring } from './constructs/monitoring.js';
import { Network } from './constructs/network.js';

export interface PipelineStackProps extends StackProps {
  config: PipelineConfig;
}

/**
 * The whole order pipeline in one stack (synth needs no account: zones come from context):
 * network, database + deploy-time migrations, MSK consumer, HTTP API, alarms and dashboard. Pinned
 * to its stage's account and region when the stage says so (infra/stages.ts).
 */
export class PipelineStack extends Stack {
  readonly network: Network;
  readonly database: Database;
  readonly ingest: Ingest;
  readonly httpApi: OrdersHttpApi;
  readonly monitoring: Monitoring;

  private readonly zones?: string[];

  /**
   * The zones from context when given: a stack pinned to an account would otherwise look them up
   * at synth, which needs credentials (CDK's documented way: override this getter).
   */
  override get availabilityZones(): string[] {
    return this.zones ?? super.availabilityZones;
  }

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.zones = config.availabilityZones;
    Tags.of(this).add('app', config.appName);
    Tags.of(this).add('stage', config.stage);
    if (config.msk.isExample) {
      Annotations.of(this).addWarningV2(
        'order-pipeline:example-msk',
        'mskClusterArn/mskBootstrapBrokers are the example values: set them (docs/deploy.md) before deploying.',
      );
    }

    this.network = new Network(this, 'Network', { config });
    this.database = new Database(this, 'Database', { config, network: this.network });
    this.ingest = new Ingest(this, 'Ingest', { config, network: this.network, database: this.database });
    this.httpApi = new OrdersHttpApi(this, 'Http', { config, network: this.network, database: this.database });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      config,
      database: this.database,
      ingest: this.ingest,
      httpApi: this.httpApi,
    });
    // Migrations first: the consumer's mapping (a child of the function) and the read API are
    // created or updated only after the Trigger has run them.
    this.database.migrations.executeBefore(this.ingest.function, this.httpApi.read);

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url, description: 'HTTPS endpoint of the read API, web page and POST /orders' });
    new CfnOutput(this, 'SubmitAuth', { value: config.api.submitAuth, description: 'Authorization of POST /orders' });
    new CfnOutput(this, 'DlqTopic', {
      value: config.msk.dlqTopic,
      description: 'Kafka topic of the records the consumer gave up on (npm run dlq)',
    });
    new CfnOutput(this, 'KafkaBootstrapBrokers', {
      value: config.msk.bootstrapBrokers,
      description: 'MSK IAM brokers (npm run smoke, dlq)',
    });
    new CfnOutput(this, 'AuthIssuer', { value: this.httpApi.signIn.issuer, description: 'Issuer of the tokens the API accepts' });
    const { userPool, cognito } = this.httpApi.signIn;
    if (userPool && cognito) {
      new CfnOutput(this, 'UserPoolId', { value: userPool.userPoolId, description: 'Create users here (docs/deploy.md "Sign-in")' });
      new CfnOutput(this, 'SignInDomain', {
        value: cognito.domainUrl,
        description: 'Hosted sign-in: /oauth2/authorize, /oauth2/token, /logout',
      });
      new CfnOutput(this, 'PageClientId', { value: cognito.pageClientId, description: 'App client of the web page and scripts' });
    }
    // Where each function logs (docs/deploy.md "After a deploy: logs and REPORT lines").
    const functions = { Ingest: this.ingest.function, Api: this.httpApi.read, Submit: this.httpApi.submit, Migrate: this.database.migrate };
    for (const [name, fn] of Object.entries(functions)) {
      const description = `Log group of the ${name.toLowerCase()} function`;
      new CfnOutput(this, `${name}LogGroup`, { value: fn.logGroup.logGroupName, description });
    }
    new CfnOutput(this, 'DatabaseSecretArn', {
      value: this.database.masterSecret.secretArn,
      description: 'Master credentials (migrations and operators only)',
    });
    new CfnOutput(this, 'DatabaseEndpoint', { value: this.database.instance.dbInstanceEndpointAddress });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: `${config.appName}-${config.stage}` });
    new CfnOutput(this, 'KafkaClientsSecurityGroupId', {
      value: this.network.kafkaClients.securityGroupId,
      description: 'Allow inbound 9098 from this group on the brokers (done for you with mskSecurityGroupId)',
    });
  }
}
