import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { AssetHashType, DockerImage, type Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionName } from '../bundle.js';
import { acknowledge } from '../nag.js';
import { METRICS_NAMESPACE } from '../../shared/metrics.js';

/** The repository root: entries, package-lock.json and migrations/ are found from here. */
export const REPO_ROOT = join(import.meta.dirname, '..', '..');

/**
 * A function's code: the asset infra/bundle.ts builds (`bundleFunction`, the one definition local runs use too).
 * Not NodejsFunction: it runs the esbuild CLI with its own arguments, which cannot carry an esbuild plugin (the api
 * bundle builds the page's script and files into itself) and writes source maps whose paths depend on CDK's staging
 * folder, so its bytes could not equal a local build's. CDK's local bundling hook is synchronous, hence the child
 * process (infra/bundle-cli.ts), as NodejsFunction spawns esbuild. The hash is the output's, as NodejsFunction's.
 */
export function functionCode(name: FunctionName): lambda.Code {
  return lambda.Code.fromAsset(REPO_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never used: local bundling always succeeds or throws (no Docker here). The command names the function all
      // the same: CDK's staging cache keys on these options, and without it every function would get one bundle.
      image: DockerImage.fromRegistry('dummy'),
      command: ['node', '--import', 'tsx', 'infra/bundle-cli.ts', name, '/asset-output'],
      local: {
        tryBundle(outputDir) {
          const cli = join(REPO_ROOT, 'infra', 'bundle-cli.ts');
          const run = spawnSync(process.execPath, ['--import', 'tsx', cli, name, outputDir], { cwd: REPO_ROOT, encoding: 'utf8' });
          if (run.status !== 0) {
            throw new Error(`bundling ${name} failed (${run.status ?? run.signal}): ${run.stderr || run.error?.message}`);
          }
          return true;
        },
      },
    },
  });
}

/**
 * What every function runs with: the bundle's handler on Node.js 24, arm64, and stack traces through the bundle's
 * source map (https://nodejs.org/api/cli.html#--enable-source-maps; its cost: docs/benchmarks.md).
 */
export function bundledFunctionProps(name: FunctionName) {
  return {
    code: functionCode(name),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    environment: { NODE_OPTIONS: '--enable-source-maps' },
  } satisfies Partial<lambda.FunctionProps>;
}

export interface PipelineFunctionProps {
  /** Folder under functions/ holding handler.ts (bundled by infra/bundle.ts). */
  name: Exclude<FunctionName, 'pre-token'>;
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
}

/**
 * One of the pipeline's functions: Node.js 24 on arm64, bundled by the local esbuild (no Docker)
 * into a minified ES module with a source map, in the VPC's private subnets, with its own log group.
 */
export class PipelineFunction extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });
    const bundled = bundledFunctionProps(props.name);
    this.function = new lambda.Function(this, 'Function', {
      ...bundled,
      description: props.description,
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
        ...bundled.environment,
        POWERTOOLS_SERVICE_NAME: props.name,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
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
