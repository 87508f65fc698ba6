import { ArnFormat, Aws, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, SERVICES, type MetricName } from '../../shared/metrics.js';
import { maxConnections } from '../capacity.js';
import type { PipelineConfig } from '../config.js';
import type { Database } from './database.js';
import type { OrdersHttpApi } from './http-api.js';
import type { Ingest } from './ingest.js';

export interface MonitoringProps {
  config: PipelineConfig;
  database: Database;
  ingest: Ingest;
  httpApi: OrdersHttpApi;
}

const FIVE_MINUTES = Duration.minutes(5);

/** Alarms to an encrypted SNS topic (optional e-mail subscription) and one dashboard. */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  /** Every alarm of the stack is named `<prefix><id>`: the topic and key policies allow these alarms only. */
  readonly alarmNamePrefix: string;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, { config, database, ingest, httpApi }: MonitoringProps) {
    super(scope, id);
    // A customer-managed key: CloudWatch cannot publish to a topic under the AWS-managed SNS key.
    const key = new kms.Key(this, 'AlarmsKey', { enableKeyRotation: true, description: 'order-pipeline alarm topic' });
    const { prefix, conditions } = fromTheseAlarms(this);
    this.alarmNamePrefix = prefix;
    // The key policy statement of "Enable compatibility between event sources from AWS services and
    // encrypted topics" (docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services),
    // with CloudWatch as the service, narrowed to this account's alarms of this stack (confused deputy).
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsOfThisStackUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions,
      }),
    );
    this.topic = new sns.Topic(this, 'Alarms', { masterKey: key, enforceSSL: true, displayName: 'order-pipeline alarms' });
    // A topic policy replaces SNS's default policy, so CloudWatch must be allowed to publish
    // explicitly, scoped with aws:SourceAccount and aws:SourceArn as in "Allow CloudWatch alarms to
    // publish" (docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html;
    // AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html).
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsOfThisStackPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions,
      }),
    );
    if (config.alarms.email) this.topic.addSubscription(new subscriptions.EmailSubscription(config.alarms.email));

    const consumer = ingest.function.function;
    const ordersMetric = (metricName: MetricName) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICES.ingest },
        period: FIVE_MINUTES,
        statistic: 'Sum',
      });
    // Every rejected record ends in the DLQ topic once its retries are spent (the handler logs
    // and counts it once): this is what an operator must look at with `npm run dlq`.
    const rejected = ordersMetric(METRIC.OrdersRejected);
    const consumerErrors = consumer.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' });
    // Lambda's OffsetLag: records between the topic's end and the group's committed offset,
    // per function. Source: aws.amazon.com/blogs/compute/offset-lag-metric-for-amazon-msk-as-an-event-source-for-lambda/
    const offsetLag = new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName: 'OffsetLag',
      dimensionsMap: { FunctionName: consumer.functionName },
      period: FIVE_MINUTES,
      statistic: 'Maximum',
    });
    const api5xx = httpApi.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    const dbCpu = database.instance.metricCPUUtilization({ period: FIVE_MINUTES, statistic: 'Average' });
    const dbConnections = database.instance.metricDatabaseConnections({ period: FIVE_MINUTES, statistic: 'Maximum' });

    const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string, evaluationPeriods = 1) => {
      const created = new cloudwatch.Alarm(this, name, {
        alarmName: `${this.alarmNamePrefix}${name}`,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(new actions.SnsAction(this.topic));
      this.alarms.push(created);
      return created;
    };
    alarm(
      'RejectedOrdersAlarm',
      rejected,
      0,
      `Invalid orders were rejected and go to the ${config.msk.dlqTopic} topic: docs/deploy.md "The DLQ topic" explains and redrives them.`,
    );
    alarm('ConsumerErrorsAlarm', consumerErrors, 0, 'The ingest function threw (database unreachable?): the batch is being retried.');
    alarm('OffsetLagAlarm', offsetLag, config.alarms.offsetLagThreshold, 'The consumer is falling behind the orders topic.', 3);
    alarm('Api5xxAlarm', api5xx, 5, 'The HTTP API answered 5xx.');
    alarm('DatabaseCpuAlarm', dbCpu, 80, 'PostgreSQL CPU above 80 %.', 3);
    // 80 % of the planning max_connections of the instance class (infra/capacity.ts).
    const connectionLimit = maxConnections(config.database.instanceClass) ?? 80;
    alarm(
      'DatabaseConnectionsAlarm',
      dbConnections,
      Math.floor(connectionLimit * 0.8),
      'PostgreSQL connections near max_connections (docs/capacity.md).',
      2,
    );
    // Ingest defects: an invocation failed at once on a bug or a misconfiguration (a missing table,
    // a permission), which no retry fixes and no outage wait hides (shared/db/errors.ts).
    const defectsText = 'The ingest function failed on a defect or misconfiguration, not an outage: docs/ingest.md "What an error means".';
    alarm('IngestDefectsAlarm', ordersMetric(METRIC.IngestDefects), 0, defectsText);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${config.appName}-${config.stage}`,
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Orders ingested',
            left: [METRIC.RecordsReceived, METRIC.OrdersStored, METRIC.OrdersDuplicate, METRIC.OrdersConflict, METRIC.OrdersRejected].map(
              ordersMetric,
            ),
            width: 12,
          }),
          new cloudwatch.GraphWidget({ title: 'Consumer offset lag (records)', left: [offsetLag], width: 12 }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'Consumer errors / rejected orders', left: [consumerErrors], right: [rejected], width: 12 }),
          new cloudwatch.GraphWidget({
            title: 'Consumer duration (ms)',
            left: [
              consumer.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }),
              consumer.metricDuration({ period: FIVE_MINUTES, statistic: 'Average' }),
            ],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'HTTP API requests / errors',
            left: [httpApi.api.metricCount({ period: FIVE_MINUTES })],
            right: [httpApi.api.metricClientError({ period: FIVE_MINUTES }), api5xx],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'HTTP API latency (ms)',
            left: [
              httpApi.api.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' }),
              httpApi.api.metricLatency({ period: FIVE_MINUTES, statistic: 'p50' }),
            ],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'PostgreSQL CPU (%)', left: [dbCpu], width: 12 }),
          new cloudwatch.GraphWidget({ title: 'PostgreSQL connections', left: [dbConnections], width: 12 }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
      ],
    });
  }
}

/**
 * The alarms of this stack: named `<stack name>.<id>` (stack names have no dots, so no other
 * stack's alarms share the prefix), and the conditions that limit CloudWatch to them.
 */
function fromTheseAlarms(scope: Construct): { prefix: string; conditions: Record<string, Record<string, unknown>> } {
  const stack = Stack.of(scope);
  const prefix = `${stack.stackName}.`;
  const alarms = stack.formatArn({
    service: 'cloudwatch',
    resource: 'alarm',
    resourceName: `${prefix}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  return { prefix, conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID }, ArnLike: { 'aws:SourceArn': alarms } } };
}
