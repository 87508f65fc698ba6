import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.js';
import { METRICS_NAMESPACE } from '../../shared/metrics.js';

/** The repository root: entries, package-lock.json and migrations/ are found from here. */
export const REPO_ROOT = join(import.meta.dirname, '..', '..');

/**
 * The Lambda Node.js runtime ships the AWS SDK for JavaScript v3, so `@aws-sdk/*` stays out of
 * the bundles (test/infra/cdk-cli.test.ts lists what each bundle expects from the runtime).
 * pg-native is an optional peer of pg that we never use.
 */
const EXTERNAL_MODULES = ['@aws-sdk/*', 'pg-native'];

/**
 * The submit function bundles everything it needs (the MSK IAM token is signed without the SDK:
 * shared/kafka/msk-iam-token.ts): nothing documents which SDK packages the Lambda runtime ships,
 * and a missing one would fail only in AWS. test/infra/cdk-cli.test.ts checks that its bundle
 * loads nothing from the runtime.
 */
export const SUBMIT_EXTERNAL_MODULES = ['pg-native'];

/**
 * ES module output (middy 7 is ESM-only). Some bundled CommonJS dependencies (pg, kafkajs) call
 * require() for Node built-ins, which an ES module lacks: the banner gives them one.
 */
const REQUIRE_SHIM = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * `node:http` (and `http`) resolve to infra/esbuild/node-http.cjs: dependencies that import it as an
 * ES module (middy's util, for one) would otherwise load
 * Node's bundled undici at init (docs/benchmarks.md, cold starts).
 */
const NODE_HTTP = join(REPO_ROOT, 'infra', 'esbuild', 'node-http.cjs');
export const ESBUILD_ALIASES = [`node:http=${NODE_HTTP}`, `http=${NODE_HTTP}`];

export interface PipelineFunctionProps {
  /** Folder under functions/ holding handler.ts. */
  name: 'ingest' | 'api' | 'submit' | 'migrate';
  description: string;
  vpc: ec2.IVpc;
  vpcSubnets: ec2.SubnetSelection;
  securityGroups: ec2.ISecurityGroup[];
  environment: Record<string, string>;
  memorySize: number;
  timeout: Duration;
  /** Reserved concurrency: caps containers, hence database connections (infra/capacity.ts). */
  reservedConcurrency?: number;
  logRetentionDays: number;
  removalPolicy: RemovalPolicy;
  /** X-Ray active tracing; AWS does not trace functions invoked by Kafka event-source mappings. */
  tracing: boolean;
  commandHooks?: ICommandHooks;
  /** Modules left to the Lambda runtime; defaults to EXTERNAL_MODULES. */
  externalModules?: string[];
}

/**
 * One of the pipeline's functions: Node.js 24 on arm64, bundled by the local esbuild (no Docker)
 * into a minified ES module, in the VPC's private subnets, with its own log group.
 */
export class PipelineFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, 'functions', props.name, 'handler.ts'),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      allowPublicSubnet: false,
      logGroup: this.logGroup,
      tracing: props.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.name,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_TRACE_ENABLED: String(props.tracing),
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: false,
        mainFields: ['module', 'main'],
        banner: REQUIRE_SHIM,
        externalModules: props.externalModules ?? EXTERNAL_MODULES,
        esbuildArgs: { '--alias': ESBUILD_ALIASES },
        forceDockerBundling: false,
        ...(props.commandHooks ? { commandHooks: props.commandHooks } : {}),
      },
    });
    const managed = (name: string) => `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${name}]`;
    acknowledge(
      this.function,
      { id: managed('AWSLambdaBasicExecutionRole'), reason: 'AWS-maintained minimum for writing the function logs.' },
      { id: managed('AWSLambdaVPCAccessExecutionRole'), reason: 'AWS-maintained minimum for the ENIs of a function in a VPC.' },
    );
    if (props.tracing) {
      acknowledge(this.function, {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords accept no resource ARN.',
      });
    }
  }
}
