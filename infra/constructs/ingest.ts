import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KafkaDlq, ManagedKafkaEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
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
 * provisioned mode (which AWS requires for the error-handling controls and the Kafka on-failure
 * destination) and IAM auth. Invalid records come back as batch item failures; retries are
 * bounded, a failing batch is bisected, and what is finally given up on is written, records and
 * failure metadata, to the DLQ topic on the same cluster, as the local emulator does
 * (docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html).
 *
 * While PostgreSQL is unreachable the function waits inside the invocation, up to
 * INGEST_OUTAGE_BUDGET_SECONDS; its timeout is that budget plus a minute for the batch itself.
 */
export class Ingest extends Construct {
  readonly function: PipelineFunction;
  readonly eventSource: ManagedKafkaEventSource;

  constructor(scope: Construct, id: string, { config, network, database }: IngestProps) {
    super(scope, id);
    const consumer = config.consumer;
    this.function = new PipelineFunction(this, 'Consumer', {
      name: 'ingest',
      description: 'Stores orders from the MSK orders topic in PostgreSQL',
      vpc: network.vpc,
      vpcSubnets: network.privateSubnets,
      securityGroups: [network.databaseClients],
      environment: {},
      memorySize: consumer.memoryMiB,
      timeout: Duration.seconds(consumer.timeoutSeconds),
      reservedConcurrency: consumer.reservedConcurrency,
      logRetentionDays: config.logRetentionDays,
      removalPolicy: config.database.protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      // X-Ray does not trace functions behind Kafka event-source mappings:
      // docs.aws.amazon.com/lambda/latest/dg/services-xray.html
      tracing: false,
    });
    const fn = this.function.function;
    const environment = {
      ...database.connect(fn, 'writer', consumer.dbPoolMax),
      INGEST_OUTAGE_BUDGET_SECONDS: String(consumer.outageBudgetSeconds),
    };
    for (const [name, value] of Object.entries(environment)) fn.addEnvironment(name, value);
    grantKafka(fn, config);

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
      onFailure: new KafkaDlq(config.msk.dlqTopic),
      metricsConfig: { metrics: [lambda.MetricType.EVENT_COUNT, lambda.MetricType.ERROR_COUNT, lambda.MetricType.KAFKA_METRICS] },
    });
    fn.addEventSource(this.eventSource);

    acknowledge(fn, {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
      reason: 'Attached by CDK for MSK event sources: ENI management and kafka:Describe*/GetBootstrapBrokers for the mapping.',
    });
  }
}

/**
 * What the mapping needs on an IAM-authenticated cluster, limited to this cluster, the two topics
 * and the group: docs.aws.amazon.com/lambda/latest/dg/with-msk-permissions.html (IAM role-based
 * authentication) and msk/latest/developerguide/kafka-actions.html. The DLQ topic needs write
 * access: the mapping produces the failed records with the function's role; the actions follow
 * the example policy of kafka-on-failure-destination.html ("Topic permissions"), narrowed to the
 * DLQ topic (no ReadData there: the mapping never reads it).
 */
function grantKafka(fn: lambda.IFunction, config: PipelineConfig): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'KafkaCluster',
      actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
      resources: [config.msk.clusterArn],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'KafkaTopicRead',
      actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
      resources: [config.msk.topicArn],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'KafkaDlqWrite',
      actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
      resources: [config.msk.dlqTopicArn],
    }),
  );
  // Listed in AWS's example policy for the Kafka destination (with kafka:DescribeCluster and
  // kafka:GetBootstrapBrokers, which AWSLambdaMSKExecutionRole already grants).
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'KafkaDlqProduce', actions: ['kafka:Produce'], resources: [config.msk.clusterArn] }));
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'KafkaConsumerGroup',
      actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
      resources: [config.msk.groupArn],
    }),
  );
}
