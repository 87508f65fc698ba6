import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as triggers from 'aws-cdk-lib/triggers';
import { acknowledge } from '../nag.js';
import { Construct } from 'constructs';
import type { PipelineConfig } from '../config.js';
import { POSTGRES_PORT, type Network } from './network.js';
import { PipelineFunction, REPO_ROOT } from './pipeline-function.js';

const DATABASE_NAME = 'orders';
const MIGRATIONS_DIR = join(REPO_ROOT, 'migrations');

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
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(dir, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

export interface DatabaseProps {
  config: PipelineConfig;
  network: Network;
}

/** The PostgreSQL roles the runtime functions log in as; the migrations create them (migrations/). */
const RUNTIME_ROLES = { writer: 'orders_writer', reader: 'orders_reader' } as const;
export type RuntimeRole = keyof typeof RUNTIME_ROLES;

/** RDS Proxy names: 1-63 letters, digits and single hyphens, starting with a letter; unique per account and region. */
function proxyNameFor(stackName: string): string {
  const name = `${stackName}-proxy`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-');
  return name
    .replace(/^[^a-z]+/, '')
    .slice(0, 63)
    .replace(/-$/, '');
}

/**
 * RDS PostgreSQL 17 in the private subnets: encrypted, TLS enforced (rds.force_ssl), optional RDS
 * Proxy, and three Secrets Manager secrets, each with single-user rotation: the master (used by
 * the migrations only) and one per runtime role (ingest: orders_writer, api: orders_reader). The
 * migrate function, run by a CDK Trigger during the deploy before the consumer and the API are
 * created or updated, applies migrations/*.sql and sets the runtime roles' passwords from their
 * secrets. Rotations start only after that Trigger (see `rotateAfterMigrations`).
 */
export class Database extends Construct {
  readonly instance: rds.DatabaseInstance;
  readonly proxy?: rds.DatabaseProxy;
  readonly masterSecret: secretsmanager.ISecret;
  /** One secret per runtime role, attached to the instance (host, port, engine like the master's). */
  readonly roleSecrets: Record<RuntimeRole, secretsmanager.ISecret>;
  readonly migrate: PipelineFunction;
  readonly migrations: triggers.Trigger;
  private readonly host?: string;

  constructor(scope: Construct, id: string, { config, network }: DatabaseProps) {
    super(scope, id);
    const dbSecurityGroup = new ec2.SecurityGroup(this, 'Sg', {
      vpc: network.vpc,
      description: 'PostgreSQL: 5432 from the database clients only',
      allowAllOutbound: false,
    });
    this.instance = this.createInstance(config, network, dbSecurityGroup);
    const secret = this.instance.secret;
    if (!secret) throw new Error('the generated credentials have no secret');
    this.masterSecret = secret;

    // Not rotated on creation (rotateImmediatelyOnUpdate: false): the first rotation comes after
    // rotationDays, and each schedule waits for the migrations Trigger (rotateAfterMigrations).
    const rotation = { automaticallyAfter: Duration.days(config.database.rotationDays), rotateImmediatelyOnUpdate: false };
    this.instance.addRotationSingleUser({
      ...rotation,
      ...(network.secretsManagerEndpoint ? { endpoint: network.secretsManagerEndpoint } : {}),
      vpcSubnets: network.privateSubnets,
    });
    this.roleSecrets = {
      writer: this.roleSecret('Writer', RUNTIME_ROLES.writer, network, rotation),
      reader: this.roleSecret('Reader', RUNTIME_ROLES.reader, network, rotation),
    };

    if (config.database.useProxy) {
      this.proxy = this.createProxy(config, network, dbSecurityGroup);
      this.host = this.proxy.endpoint;
    }
    // Always direct: migrations take a session advisory lock (a proxy would pin the connection)
    // and the rotation functions log in to the instance itself.
    dbSecurityGroup.addIngressRule(network.databaseClients, ec2.Port.tcp(POSTGRES_PORT), 'database clients');
    network.databaseClients.addEgressRule(dbSecurityGroup, ec2.Port.tcp(POSTGRES_PORT), 'PostgreSQL');

    this.migrate = this.createMigrateFunction(config, network);
    this.migrations = this.createTrigger(config);
    this.rotateAfterMigrations();
  }

  /**
   * Environment of a runtime function that logs in as `role` (no secret values: the ARN only),
   * and read access to that role's secret, nothing else.
   */
  connect(fn: iam.IGrantable, role: RuntimeRole, poolMax: number): Record<string, string> {
    const secret = this.roleSecrets[role];
    secret.grantRead(fn);
    return {
      DB_SECRET_ARN: secret.secretArn,
      DB_NAME: DATABASE_NAME,
      DB_POOL_MAX: String(poolMax),
      NODE_EXTRA_CA_CERTS: LAMBDA_CA_BUNDLE,
      ...(this.host ? { DB_HOST: this.host } : {}),
    };
  }

  private createInstance(config: PipelineConfig, network: Network, securityGroup: ec2.SecurityGroup): rds.DatabaseInstance {
    const { protect } = config.database;
    const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 });
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: 'order-pipeline: TLS required',
      parameters: { 'rds.force_ssl': '1' },
    });
    const instance = new rds.DatabaseInstance(this, 'Instance', {
      engine,
      instanceType: new ec2.InstanceType(config.database.instanceClass),
      vpc: network.vpc,
      vpcSubnets: network.privateSubnets,
      securityGroups: [securityGroup],
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
    acknowledge(instance, {
      id: 'AwsSolutions-RDS11',
      reason: 'Default port kept: only the database-clients security group can reach it.',
    });
    if (!protect) {
      acknowledge(
        instance,
        { id: 'AwsSolutions-RDS3', reason: 'dev stage: single-AZ to save cost; prod is Multi-AZ.' },
        { id: 'AwsSolutions-RDS10', reason: 'dev stage: deletion protection off so that `cdk destroy` works; prod has it on.' },
        { id: 'AwsSolutions-RDS13', reason: 'dev stage: no automated backups (disposable data); prod keeps 7 days.' },
      );
    }
    return instance;
  }

  /** A generated secret for one runtime role, attached to the instance, with single-user rotation. */
  private roleSecret(
    id: string,
    username: string,
    network: Network,
    rotation: { automaticallyAfter: Duration; rotateImmediatelyOnUpdate: boolean },
  ): secretsmanager.ISecret {
    const secret = new rds.DatabaseSecret(this, `${id}Secret`, { username }).attach(this.instance);
    new secretsmanager.SecretRotation(this, `${id}Rotation`, {
      application: secretsmanager.SecretRotationApplication.POSTGRES_ROTATION_SINGLE_USER,
      secret,
      target: this.instance,
      vpc: network.vpc,
      vpcSubnets: network.privateSubnets,
      ...(network.secretsManagerEndpoint ? { endpoint: network.secretsManagerEndpoint } : {}),
      ...rotation,
    });
    return secret;
  }

  /**
   * RDS Proxy for the runtime roles (their two secrets), named after the stack: proxy names are
   * unique per account and region, so a fixed name breaks a second stack.
   */
  private createProxy(config: PipelineConfig, network: Network, dbSecurityGroup: ec2.SecurityGroup): rds.DatabaseProxy {
    const proxySecurityGroup = new ec2.SecurityGroup(this, 'ProxySg', {
      vpc: network.vpc,
      description: 'RDS Proxy: 5432 from the database clients, out to PostgreSQL',
      allowAllOutbound: false,
    });
    const proxy = this.instance.addProxy('Proxy', {
      dbProxyName: proxyNameFor(Stack.of(this).stackName),
      secrets: [this.roleSecrets.writer, this.roleSecrets.reader],
      vpc: network.vpc,
      vpcSubnets: network.privateSubnets,
      securityGroups: [proxySecurityGroup],
      requireTLS: true,
      iamAuth: false,
      debugLogging: false,
      maxConnectionsPercent: config.database.proxyMaxConnectionsPercent,
      maxIdleConnectionsPercent: config.database.proxyMaxIdleConnectionsPercent,
    });
    proxySecurityGroup.addIngressRule(network.databaseClients, ec2.Port.tcp(POSTGRES_PORT), 'database clients');
    proxySecurityGroup.addEgressRule(dbSecurityGroup, ec2.Port.tcp(POSTGRES_PORT), 'PostgreSQL');
    dbSecurityGroup.addIngressRule(proxySecurityGroup, ec2.Port.tcp(POSTGRES_PORT), 'RDS Proxy');
    network.databaseClients.addEgressRule(proxySecurityGroup, ec2.Port.tcp(POSTGRES_PORT), 'RDS Proxy');
    return proxy;
  }

  /**
   * The migrate function logs in as the master (DB_SECRET_ARN) and reads the runtime roles'
   * secrets (DB_WRITER_SECRET_ARN, DB_READER_SECRET_ARN) to set their passwords. The .sql files
   * ride along in the bundle: migrations/ next to index.mjs (LAMBDA_TASK_ROOT).
   */
  private createMigrateFunction(config: PipelineConfig, network: Network): PipelineFunction {
    const migrate = new PipelineFunction(this, 'Migrate', {
      name: 'migrate',
      description: 'Applies migrations/*.sql to the orders database during each deploy',
      vpc: network.vpc,
      vpcSubnets: network.privateSubnets,
      securityGroups: [network.databaseClients],
      environment: {
        DB_SECRET_ARN: this.masterSecret.secretArn,
        DB_WRITER_SECRET_ARN: this.roleSecrets.writer.secretArn,
        DB_READER_SECRET_ARN: this.roleSecrets.reader.secretArn,
        DB_NAME: DATABASE_NAME,
        DB_POOL_MAX: '2',
        NODE_EXTRA_CA_CERTS: LAMBDA_CA_BUNDLE,
        MIGRATIONS_SHA256: migrationsSha256(),
      },
      memorySize: 256,
      timeout: Duration.minutes(5),
      logRetentionDays: config.logRetentionDays,
      removalPolicy: config.database.protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      tracing: true,
    });
    for (const secret of [this.masterSecret, this.roleSecrets.writer, this.roleSecrets.reader]) secret.grantRead(migrate.function);
    return migrate;
  }

  /**
   * A Trigger invokes the function when its version changes: code, the .sql files (in the
   * bundle and in MIGRATIONS_SHA256) or configuration. `-c migrateRunId=<new value>` forces a
   * run with nothing changed. A failed migration fails (and rolls back) the deploy.
   */
  private createTrigger(config: PipelineConfig): triggers.Trigger {
    const trigger = new triggers.Trigger(this, 'RunMigrations', {
      handler: this.migrate.function,
      timeout: Duration.minutes(5),
      invocationType: triggers.InvocationType.REQUEST_RESPONSE,
      // The instance resource alone: its children include the master secret's rotation schedule,
      // which must come after the Trigger (rotateAfterMigrations).
      executeAfter: [this.instance.node.defaultChild as CfnResource],
      executeOnHandlerChange: true,
    });
    const resource = cfnResourceOf(trigger, 'Custom::Trigger');
    resource.addPropertyOverride('MigrationsSha256', migrationsSha256());
    if (config.migrateRunId) resource.addPropertyOverride('RunId', config.migrateRunId);
    return trigger;
  }

  /**
   * A rotation that runs while the migrations run changes a password under them, and a runtime
   * role's rotation cannot log in before the migrations have created the role and set its
   * password. So every rotation schedule is created after the Trigger has run (and none rotates
   * on creation). The migrate function also re-reads its secret when a login is refused.
   */
  private rotateAfterMigrations(): void {
    const trigger = cfnResourceOf(this.migrations, 'Custom::Trigger');
    const schedules = this.node
      .findAll()
      .filter(
        (child): child is CfnResource => child instanceof CfnResource && child.cfnResourceType === 'AWS::SecretsManager::RotationSchedule',
      );
    if (schedules.length !== 3) throw new Error(`expected 3 rotation schedules (master, writer, reader), found ${schedules.length}`);
    for (const schedule of schedules) schedule.addResourceDependency(trigger);
  }
}

function cfnResourceOf(scope: Construct, type: string): CfnResource {
  const found = scope.node.findAll().find((child): child is CfnResource => child instanceof CfnResource && child.cfnResourceType === type);
  if (!found) throw new Error(`${scope.node.path} has no ${type} resource`);
  return found;
}
