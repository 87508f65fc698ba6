import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { acknowledge } from '../nag.js';
import { Construct } from 'constructs';
import { DEFAULT_ROUTE, ROUTES, type RouteFunction, type RouteSpec } from '../../shared/http/routes.js';
import type { PipelineConfig } from '../config.js';
import type { Database } from './database.js';
import type { Network } from './network.js';
import { PipelineFunction } from './pipeline-function.js';
import { SignIn } from './sign-in.js';

export interface HttpApiProps {
  config: PipelineConfig;
  network: Network;
  database: Database;
}

/** How API Gateway authorizes one route: derived from the route table in shared/http/routes.ts. */
interface RouteAuthorization {
  authorizer: apigw.IHttpRouteAuthorizer;
  authorizationScopes?: string[];
}

/**
 * One HTTP API (payload 2.0) in front of two functions that share nothing: the read function
 * (database as orders_reader, no Kafka) and the submit function (Kafka write, no database).
 * Routes and their authorization come from shared/http/routes.ts: `public` routes (the page, its
 * assets, /health) have no authorizer; `jwt` routes and `$default` need a token with the route's
 * scope; POST /orders needs IAM (SigV4), or a token with the write scope with `-c submitAuth=jwt`.
 *
 * No CORS configuration: the page is served by this API at `/`, so its requests are same-origin;
 * the only cross-origin call sign-in makes is the page's POST to the issuer's token endpoint,
 * which the issuer (Cognito) answers with its own CORS headers.
 */
export class OrdersHttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly read: PipelineFunction;
  readonly submit: PipelineFunction;
  readonly signIn: SignIn;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, { config, network, database }: HttpApiProps) {
    super(scope, id);
    const removalPolicy = config.database.protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: `${config.appName}-${config.stage}`,
      description: 'Orders: read API, web page and order submission',
      createDefaultStage: false,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: config.logRetentionDays as logs.RetentionDays, removalPolicy });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.api.throttleRateLimit, burstLimit: config.api.throttleBurstLimit },
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(this.accessLogs) },
    });
    this.signIn = new SignIn(this, 'SignIn', { config, apiUrl: this.url });
    this.read = this.createReadFunction(config, network, database, removalPolicy);
    this.submit = this.createSubmitFunction(config, network, removalPolicy);
    this.addRoutes(config);
    acknowledge(this.api, {
      id: 'AwsSolutions-APIG4',
      reason:
        'Only the page, its assets, /health, /auth/config and /openapi.json are public (no order data); ' +
        'every data route has a JWT or IAM authorizer (test/infra checks each route).',
    });
  }

  /** The HTTPS endpoint of the `$default` stage. */
  get url(): string {
    return this.api.apiEndpoint;
  }

  private createReadFunction(config: PipelineConfig, network: Network, database: Database, removalPolicy: RemovalPolicy): PipelineFunction {
    const read = new PipelineFunction(this, 'Read', {
      name: 'api',
      description: 'Read API and web page: orders from PostgreSQL with an in-memory cache',
      vpc: network.vpc,
      vpcSubnets: network.privateSubnets,
      securityGroups: [network.databaseClients],
      environment: {
        CACHE_MAX_ENTRIES: String(config.api.cacheMaxEntries),
        CACHE_MAX_BYTES: String(config.api.cacheMaxBytes),
        ...(config.api.cacheTtlSeconds !== undefined ? { CACHE_TTL_SECONDS: String(config.api.cacheTtlSeconds) } : {}),
        ...this.signIn.pageEnvironment,
      },
      memorySize: 512,
      timeout: Duration.seconds(10),
      reservedConcurrency: config.api.reservedConcurrency,
      logRetentionDays: config.logRetentionDays,
      removalPolicy,
      tracing: true,
    });
    for (const [name, value] of Object.entries(database.connect(read.function, 'reader', config.api.dbPoolMax))) {
      read.function.addEnvironment(name, value);
    }
    return read;
  }

  private createSubmitFunction(config: PipelineConfig, network: Network, removalPolicy: RemovalPolicy): PipelineFunction {
    const submit = new PipelineFunction(this, 'Submit', {
      name: 'submit',
      description: 'POST /orders: validates an order and produces it to the MSK orders topic',
      vpc: network.vpc,
      vpcSubnets: network.privateSubnets,
      securityGroups: [network.kafkaClients],
      environment: { KAFKA_BROKERS: config.msk.bootstrapBrokers, KAFKA_TOPIC: config.msk.topic, KAFKA_AUTH: 'iam' },
      memorySize: 256,
      timeout: Duration.seconds(10),
      logRetentionDays: config.logRetentionDays,
      removalPolicy,
      tracing: true,
    });
    // Produce to the one topic; nothing else. Idempotent producers also need WriteDataIdempotently
    // on the cluster (kafka-actions.html: it requires Connect and WriteData).
    submit.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'KafkaCluster',
        actions: ['kafka-cluster:Connect', 'kafka-cluster:WriteDataIdempotently'],
        resources: [config.msk.clusterArn],
      }),
    );
    submit.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'KafkaTopicWrite',
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
        resources: [config.msk.topicArn],
      }),
    );
    return submit;
  }

  /** One API Gateway route per entry of ROUTES, plus `$default`, each with its authorization. */
  private addRoutes(config: PipelineConfig): void {
    const integrations: Record<RouteFunction, apigw.HttpRouteIntegration> = {
      api: new HttpLambdaIntegration('Read', this.read.function, { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 }),
      submit: new HttpLambdaIntegration('Submit', this.submit.function, { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 }),
    };
    const jwt = new HttpJwtAuthorizer('Jwt', this.signIn.issuer, { jwtAudience: this.signIn.audience });
    const iamAuthorizer = new HttpIamAuthorizer();
    const none = new apigw.HttpNoneAuthorizer();
    const authorization = (route: RouteSpec): RouteAuthorization => {
      const { auth } = route;
      if (auth.kind === 'public') return { authorizer: none };
      if (auth.kind === 'iam' && config.api.submitAuth === 'iam') return { authorizer: iamAuthorizer };
      return { authorizer: jwt, authorizationScopes: [...auth.scopes] };
    };
    for (const route of ROUTES) {
      if (route.method === 'ANY') throw new Error(`route ${route.key}: give ROUTES a method`);
      this.api.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration: integrations[route.function],
        ...authorization(route),
      });
    }
    new apigw.HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: apigw.HttpRouteKey.DEFAULT,
      integration: integrations[DEFAULT_ROUTE.function],
      ...authorization(DEFAULT_ROUTE),
    });
  }
}
