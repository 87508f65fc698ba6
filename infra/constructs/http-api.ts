import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { acknowledge } from '../nag.js';
import { Construct } from 'constructs';
import type { PipelineConfig } from '../config.js';
import type { Database } from './database.js';
import type { Network } from './network.js';
import { PipelineFunction, SUBMIT_EXTERNAL_MODULES } from './pipeline-function.js';

/** The read function's own routes; anything else reaches it through `$default` (its JSON 404/405). */
export const READ_ROUTES: ReadonlyArray<{ path: string; method: apigw.HttpMethod }> = [
  { path: '/', method: apigw.HttpMethod.GET },
  { path: '/app.js', method: apigw.HttpMethod.GET },
  { path: '/app.css', method: apigw.HttpMethod.GET },
  { path: '/orders', method: apigw.HttpMethod.GET },
  { path: '/orders/{order_uid}', method: apigw.HttpMethod.GET },
  { path: '/health', method: apigw.HttpMethod.GET },
  { path: '/cache/stats', method: apigw.HttpMethod.GET },
];

export interface HttpApiProps {
  config: PipelineConfig;
  network: Network;
  database: Database;
}

/**
 * One HTTP API (payload 2.0) in front of two functions that share nothing: the read function
 * (database, no Kafka) and the submit function (Kafka write, no database). POST /orders requires
 * IAM (SigV4) by default, or a JWT authorizer with `-c submitAuth=jwt`.
 */
export class OrdersHttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly read: PipelineFunction;
  readonly submit: PipelineFunction;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, { config, network, database }: HttpApiProps) {
    super(scope, id);
    const protect = config.database.protect;
    const removalPolicy = protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.read = new PipelineFunction(this, 'Read', {
      name: 'api',
      description: 'Read API and web page: orders from PostgreSQL with an in-memory cache',
      vpc: network.vpc,
      vpcSubnets: network.privateSubnets,
      securityGroups: [network.databaseClients],
      environment: {
        ...database.clientEnvironment,
        CACHE_MAX_ENTRIES: String(config.api.cacheMaxEntries),
        CACHE_MAX_BYTES: String(config.api.cacheMaxBytes),
        ...(config.api.cacheTtlSeconds !== undefined ? { CACHE_TTL_SECONDS: String(config.api.cacheTtlSeconds) } : {}),
      },
      memorySize: 512,
      timeout: Duration.seconds(10),
      logRetentionDays: config.logRetentionDays,
      removalPolicy,
      tracing: true,
    });
    database.instance.secret?.grantRead(this.read.function);

    this.submit = new PipelineFunction(this, 'Submit', {
      name: 'submit',
      externalModules: SUBMIT_EXTERNAL_MODULES,
      description: 'POST /orders: validates an order and produces it to the MSK orders topic',
      vpc: network.vpc,
      vpcSubnets: network.privateSubnets,
      securityGroups: [network.kafkaClients],
      environment: {
        KAFKA_BROKERS: config.msk.bootstrapBrokers,
        KAFKA_TOPIC: config.msk.topic,
        KAFKA_AUTH: 'iam',
      },
      memorySize: 256,
      timeout: Duration.seconds(10),
      logRetentionDays: config.logRetentionDays,
      removalPolicy,
      tracing: true,
    });
    // Produce to the one topic; nothing else. Idempotent producers also need WriteDataIdempotently
    // on the cluster (kafka-actions.html: it requires Connect and WriteData).
    this.submit.function.addToRolePolicy(new iam.PolicyStatement({
      sid: 'KafkaCluster',
      actions: ['kafka-cluster:Connect', 'kafka-cluster:WriteDataIdempotently'],
      resources: [config.msk.clusterArn],
    }));
    this.submit.function.addToRolePolicy(new iam.PolicyStatement({
      sid: 'KafkaTopicWrite',
      actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
      resources: [config.msk.topicArn],
    }));

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    });
    const readIntegration = new HttpLambdaIntegration('Read', this.read.function, {
      payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
    });
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: `${config.appName}-${config.stage}`,
      description: 'Orders: read API, web page and order submission',
      createDefaultStage: false,
      defaultIntegration: readIntegration,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.api.throttleRateLimit, burstLimit: config.api.throttleBurstLimit },
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(this.accessLogs) },
    });

    for (const route of READ_ROUTES) {
      this.api.addRoutes({ path: route.path, methods: [route.method], integration: readIntegration });
    }
    const submitAuthorizer =
      config.api.submitAuth === 'jwt'
        ? new HttpJwtAuthorizer('SubmitJwt', config.api.jwtIssuer ?? '', { jwtAudience: config.api.jwtAudience })
        : new HttpIamAuthorizer();
    const [submitRoute] = this.api.addRoutes({
      path: '/orders',
      methods: [apigw.HttpMethod.POST],
      integration: new HttpLambdaIntegration('Submit', this.submit.function, {
        payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
      }),
      authorizer: submitAuthorizer,
    });
    if (!submitRoute) throw new Error('POST /orders route was not created');

    acknowledge(this.api, {
      id: 'AwsSolutions-APIG4',
      reason: 'Read routes and $default serve the public web page and read API by design; POST /orders is authorized (IAM or JWT).',
    });
  }

  /** The HTTPS endpoint of the `$default` stage. */
  get url(): string {
    return this.api.apiEndpoint;
  }
}
