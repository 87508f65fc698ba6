import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as triggers from 'aws-cdk-lib/triggers';
import { acknowledge } from '../nag.js';
import { Construct } from 'constructs';
import type { PipelineConfig } from '../config.js';
import { POSTGRES_PORT, type Network } from './network.js';
import { PipelineFunction, REPO_ROOT } from './pipeline-function.js';

export const DATABASE_NAME = 'orders';
export const MIGRATIONS_DIR = join(REPO_ROOT, 'migrations');

/**
 * Lambda's Node.js 20+ runtimes no longer load the Amazon CA certificates by default; the bundle
 * that includes the RDS CAs is at /var/runtime/ca-cert.pem and NODE_EXTRA_CA_CERTS loads it.
 * Source: docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html ("CA certificate loading");
 * summary in dev.classmethod.jp/articles/node-extra-ca-certs-influence-cold-start/.
 */
export const LAMBDA_CA_BUNDLE = '/var/runtime/ca-cert.pem';

/** SHA-256 over the names and contents of the .sql files: a new migration changes it. */
export function migrationsSha256(dir = MIGRATIONS_DIR): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.sql')).sort()) {
    hash.update(file).update('\0').update(readFileSync(join(dir, file))).update('\0');
  }
  return hash.digest('hex');
}

export interface DatabaseProps {
  config: PipelineConfig;
  network: Network;
}

/**
 * RDS PostgreSQL 17 in the private subnets: encrypted, TLS enforced (rds.force_ssl), credentials
 * generated into Secrets Manager and rotated, optional RDS Proxy; plus the migrate function that a
 * CDK Trigger runs during the deploy, before the consumer and the API are created or updated.
 */
export class Database extends Construct {
  readonly instance: rds.DatabaseInstance;
  readonly proxy?: rds.DatabaseProxy;
  readonly migrate: PipelineFunction;
  readonly migrations: triggers.Trigger;
  /** Environment for a function that queries the database (no secret values: the ARN only). */
  readonly clientEnvironment: Record<string, string>;

  constructor(scope: Construct, id: string, { config, network }: DatabaseProps) {
    super(scope, id);
    const { protect } = config.database;
    const dbSecurityGroup = new ec2.SecurityGroup(this, 'Sg', {
      vpc: network.vpc,
      description: 'PostgreSQL: 5432 from the database clients only',
      allowAllOutbound: false,
    });

    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
      description: 'order-pipeline: TLS required',
      parameters: { 'rds.force_ssl': '1' },
    });

    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
      instanceType: new ec2.InstanceType(config.database.instanceClass),
      vpc: network.vpc,
      vpcSubnets: network.privateSubnets,
      securityGroups: [dbSecurityGroup],
      publiclyAccessible: false,
      databaseName: DATABASE_NAME,
      credentials: rds.Credentials.fromGeneratedSecret('orders_admin'),
      parameterGroup,
      storageEncrypted: true,
      storageType: rds.StorageType.GP3,
      allocatedStorage: config.database.allocatedStorageGiB,
      maxAllocatedStorage: config.database.allocatedStorageGiB * 5,
      multiAz: protect,
      deletionProtection: protect,
      backupRetention: protect ? Duration.days(7) : Duration.days(0),
      deleteAutomatedBackups: !protect,
      removalPolicy: protect ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      autoMinorVersionUpgrade: true,
      cloudwatchLogsExports: ['postgresql'],
      enablePerformanceInsights: true,
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
    });
    const secret = this.instance.secret;
    if (!secret) throw new Error('the generated credentials have no secret');
    this.instance.addRotationSingleUser({
      automaticallyAfter: Duration.days(config.database.rotationDays),
      endpoint: network.secretsManagerEndpoint,
      vpcSubnets: network.privateSubnets,
    });
    acknowledge(this.instance, { id: 'AwsSolutions-RDS11', reason: 'Default port kept: only the database-clients security group can reach it.' });
    if (!protect) {
      acknowledge(
        this.instance,
        { id: 'AwsSolutions-RDS3', reason: 'dev stage: single-AZ to save cost; prod is Multi-AZ.' },
        { id: 'AwsSolutions-RDS10', reason: 'dev stage: deletion protection off so that `cdk destroy` works; prod has it on.' },
        { id: 'AwsSolutions-RDS13', reason: 'dev stage: no automated backups (disposable data); prod keeps 7 days.' },
      );
    }

    // Database clients reach PostgreSQL (directly or through the proxy); nothing else does.
    let host: string | undefined;
    if (config.database.useProxy) {
      const proxySecurityGroup = new ec2.SecurityGroup(this, 'ProxySg', {
        vpc: network.vpc,
        description: 'RDS Proxy: 5432 from the database clients, out to PostgreSQL',
        allowAllOutbound: false,
      });
      this.proxy = this.instance.addProxy('Proxy', {
        secrets: [secret],
        vpc: network.vpc,
        vpcSubnets: network.privateSubnets,
        securityGroups: [proxySecurityGroup],
        requireTLS: true,
        iamAuth: false,
        debugLogging: false,
      });
      proxySecurityGroup.addIngressRule(network.databaseClients, ec2.Port.tcp(POSTGRES_PORT), 'database clients');
      proxySecurityGroup.addEgressRule(dbSecurityGroup, ec2.Port.tcp(POSTGRES_PORT), 'PostgreSQL');
      dbSecurityGroup.addIngressRule(proxySecurityGroup, ec2.Port.tcp(POSTGRES_PORT), 'RDS Proxy');
      network.databaseClients.addEgressRule(proxySecurityGroup, ec2.Port.tcp(POSTGRES_PORT), 'RDS Proxy');
      host = this.proxy.endpoint;
    }
    // Always direct: migrations take a session advisory lock (a proxy would pin the connection)
    // and the rotation function logs in to the instance itself.
    dbSecurityGroup.addIngressRule(network.databaseClients, ec2.Port.tcp(POSTGRES_PORT), 'database clients');
    network.databaseClients.addEgressRule(dbSecurityGroup, ec2.Port.tcp(POSTGRES_PORT), 'PostgreSQL');

    const baseEnvironment = {
      DB_SECRET_ARN: secret.secretArn,
      DB_NAME: DATABASE_NAME,
      NODE_EXTRA_CA_CERTS: LAMBDA_CA_BUNDLE,
    };
    this.clientEnvironment = { ...baseEnvironment, ...(host ? { DB_HOST: host } : {}) };

    // The .sql files ride along in the bundle: migrations/ next to index.mjs (LAMBDA_TASK_ROOT).
    this.migrate = new PipelineFunction(this, 'Migrate', {
      name: 'migrate',
      description: 'Applies migrations/*.sql to the orders database during each deploy',
      vpc: network.vpc,
      vpcSubnets: network.privateSubnets,
      securityGroups: [network.databaseClients],
      environment: { ...baseEnvironment, MIGRATIONS_SHA256: migrationsSha256() },
      memorySize: 256,
      timeout: Duration.minutes(5),
      logRetentionDays: config.logRetentionDays,
      removalPolicy: protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      tracing: true,
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (inputDir: string, outputDir: string) => [`cp -R "${inputDir}/migrations" "${outputDir}/migrations"`],
      },
    });
    secret.grantRead(this.migrate.function);

    // A Trigger invokes the function when its version changes: code, the .sql files (in the
    // bundle and in MIGRATIONS_SHA256) or configuration. `-c migrateRunId=<new value>` forces a
    // run with nothing changed. A failed migration fails (and rolls back) the deploy.
    this.migrations = new triggers.Trigger(this, 'RunMigrations', {
      handler: this.migrate.function,
      timeout: Duration.minutes(5),
      invocationType: triggers.InvocationType.REQUEST_RESPONSE,
      executeAfter: [this.instance],
      executeOnHandlerChange: true,
    });
    const triggerResource = this.migrations.node
      .findAll()
      .find((child): child is CfnResource => child instanceof CfnResource && child.cfnResourceType === 'Custom::Trigger');
    if (!triggerResource) throw new Error('the migrations Trigger has no Custom::Trigger resource');
    triggerResource.addPropertyOverride('MigrationsSha256', migrationsSha256());
    if (config.migrateRunId) triggerResource.addPropertyOverride('RunId', config.migrateRunId);
  }
}
