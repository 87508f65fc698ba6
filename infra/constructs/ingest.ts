import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ManagedKafkaEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { acknowledge } from '../nag.js';
import { Construct } from 'constructs';
import type { PipelineConfig } from '../config.js';
import type { Database } from './database.js';
import type { Network } from './network.js';
import { PipelineFunction } from './pipeline-function.js';

export interface IngestProps {
  config: PipelineConfig;
  network: Network;
  database: Database;
}

/**
 * The consumer: the ingest function, invoked by an Amazon MSK event-source mapping in
 * provisioned mode (which AWS requires for the error-handling controls below) and IAM auth.
 * Invalid records come back as batch item failures; retries are bounded, a failing batch is
 * bisected, and what is finally given up on is reported to an encrypted SQS queue. That report is
 * metadata (topic, partition, offset range), not the records: docs/deploy.md tells how to re-read
 * them from the brokers. Source: docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html.
 */
export class Ingest extends Construct {
  readonly function: PipelineFunction;
  readonly deadLetters: sqs.Queue;
  readonly eventSource: ManagedKafkaEventSource;

  constructor(scope: Construct, id: string, { config, network, database }: IngestProps) {
    super(scope, id);
    const protect = config.database.protect;
    this.deadLetters = new sqs.Queue(this, 'FailedBatches', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledge(this.deadLetters, { id: 'AwsSolutions-SQS3', reason: 'This queue is itself the on-failure destination of the Kafka mapping.' });

    this.function = new PipelineFunction(this, 'Consumer', {
      name: 'ingest',
      description: 'Stores orders from the MSK orders topic in PostgreSQL',
      vpc: network.vpc,
      vpcSubnets: network.privateSubnets,
      securityGroups: [network.databaseClients],
      environment: database.clientEnvironment,
      memorySize: 512,
      timeout: Duration.seconds(60),
      logRetentionDays: config.logRetentionDays,
      removalPolicy: protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      // X-Ray does not trace functions behind Kafka event-source mappings:
      // docs.aws.amazon.com/lambda/latest/dg/services-xray.html
      tracing: false,
    });
    const fn = this.function.function;
    database.instance.secret?.grantRead(fn);

    // What the mapping needs on an IAM-authenticated cluster, limited to this cluster, topic and
    // group: docs.aws.amazon.com/lambda/latest/dg/with-msk-permissions.html (IAM role-based
    // authentication) and msk/latest/developerguide/kafka-actions.html.
    fn.addToRolePolicy(new iam.PolicyStatement({
      sid: 'KafkaCluster',
      actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
      resources: [config.msk.clusterArn],
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      sid: 'KafkaTopicRead',
      actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
      resources: [config.msk.topicArn],
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      sid: 'KafkaConsumerGroup',
      actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
      resources: [config.msk.groupArn],
    }));

    const consumer = config.consumer;
    this.eventSource = new ManagedKafkaEventSource({
      clusterArn: config.msk.clusterArn,
      topic: config.msk.topic,
      consumerGroupId: config.msk.consumerGroupId,
      startingPosition: lambda.StartingPosition[consumer.startingPosition],
      batchSize: consumer.batchSize,
      maxBatchingWindow: Duration.seconds(consumer.maxBatchingWindowSeconds),
      provisionedPollerConfig: { minimumPollers: consumer.minimumPollers, maximumPollers: consumer.maximumPollers },
      reportBatchItemFailures: true,
      retryAttempts: consumer.retryAttempts,
      bisectBatchOnError: true,
      maxRecordAge: Duration.seconds(consumer.maxRecordAgeSeconds),
      onFailure: new SqsDlq(this.deadLetters),
      metricsConfig: { metrics: [lambda.MetricType.EVENT_COUNT, lambda.MetricType.ERROR_COUNT, lambda.MetricType.KAFKA_METRICS] },
    });
    fn.addEventSource(this.eventSource);

    acknowledge(fn, {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
      reason: 'Attached by CDK for MSK event sources: ENI management and kafka:Describe*/GetBootstrapBrokers for the mapping.',
    });
  }
}
