// The roles GitHub Actions (.github/workflows/pipeline.yml) assumes for one stage, through GitHub's
// OpenID Connect provider: no stored keys. Deployed once by hand per stage (docs/deploy.md "First
// deploy"), before the pipeline can run. Each role may do almost nothing itself: it assumes the
// CDK bootstrap roles, which CloudFormation and the asset uploads run under.
//  - deploy: trusted for jobs of the GitHub environment named like the stage (`environment: <stage>`
//    in the workflow, where approvals and the allowed branches are set); assumes the bootstrap
//    deploy, publishing and lookup roles, and reads what the smoke test checks.
//  - diff: trusted for pull requests of the repository; assumes the lookup role only (`cdk diff`
//    reads the deployed template with it; it can change nothing).
// The trust conditions follow docs.github.com/en/actions/reference/security/oidc (sub claims
// `repo:<owner>/<repo>:environment:<name>` and `repo:<owner>/<repo>:pull_request`) and
// docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html (aud sts.amazonaws.com).
import { Annotations, CfnOutput, Duration, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { PipelineConfig } from './config.js';
import { acknowledge } from './nag.js';
import { pipelineStackName } from './stages.js';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
/** The audience aws-actions/configure-aws-credentials asks GitHub for. */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';
/** CDK's default bootstrap qualifier (`cdk bootstrap --qualifier` changes it). */
const DEFAULT_QUALIFIER = 'hnb659fds';

export interface DeployRoleStackProps extends StackProps {
  config: PipelineConfig;
  /** The bootstrap qualifier (context `@aws-cdk/core:bootstrapQualifier`). */
  qualifier?: string;
}

export class DeployRoleStack extends Stack {
  readonly deployRole: iam.Role;
  readonly diffRole: iam.Role;

  constructor(scope: Construct, id: string, props: DeployRoleStackProps) {
    super(scope, id, props);
    const { config } = props;
    const qualifier = props.qualifier ?? DEFAULT_QUALIFIER;
    const repository = config.deploy.githubRepository;
    Tags.of(this).add('app', config.appName);
    Tags.of(this).add('stage', config.stage);
    if (config.deploy.isExample) {
      Annotations.of(this).addWarningV2(
        'order-pipeline:example-repository',
        'githubRepository is the placeholder: set it (docs/deploy.md) before deploying this stack.',
      );
    }

    // One provider per account: a second stage in the same account refers to the first one's.
    const existingProvider = this.formatArn({ service: 'iam', region: '', resource: 'oidc-provider', resourceName: GITHUB_OIDC_HOST });
    const provider = config.deploy.createOidcProvider
      ? new iam.OidcProviderNative(this, 'GitHubOidc', { url: `https://${GITHUB_OIDC_HOST}`, clientIds: [GITHUB_OIDC_AUDIENCE] })
      : iam.OidcProviderNative.fromOidcProviderArn(this, 'GitHubOidc', existingProvider);

    const trustedBy = (subject: string) =>
      new iam.WebIdentityPrincipal(provider.oidcProviderArn, {
        StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE, [`${GITHUB_OIDC_HOST}:sub`]: subject },
      });
    const bootstrapRole = (kind: string) => {
      const resourceName = `cdk-${qualifier}-${kind}-role-${this.account}-${this.region}`;
      return this.formatArn({ service: 'iam', region: '', resource: 'role', resourceName });
    };

    this.deployRole = new iam.Role(this, 'DeployRole', {
      roleName: `${config.appName}-${config.stage}-deploy`,
      description: `GitHub Actions deploys ${pipelineStackName(config.stage)} (environment ${config.stage} of ${repository})`,
      assumedBy: trustedBy(`repo:${repository}:environment:${config.stage}`),
      maxSessionDuration: Duration.hours(1),
    });
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'CdkBootstrapRoles',
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        resources: ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map(bootstrapRole),
      }),
    );
    this.grantSmokeReads(config);

    this.diffRole = new iam.Role(this, 'DiffRole', {
      roleName: `${config.appName}-${config.stage}-diff`,
      description: `GitHub Actions compares pull requests of ${repository} with ${pipelineStackName(config.stage)} (read only)`,
      assumedBy: trustedBy(`repo:${repository}:pull_request`),
      maxSessionDuration: Duration.hours(1),
    });
    this.diffRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'CdkLookupRole',
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        resources: [bootstrapRole('lookup')],
      }),
    );

    new CfnOutput(this, 'DeployRoleArn', {
      value: this.deployRole.roleArn,
      description: `GitHub environment ${config.stage}: variable AWS_ROLE_ARN`,
    });
    new CfnOutput(this, 'DiffRoleArn', {
      value: this.diffRole.roleArn,
      description: 'GitHub repository variable DIFF_ROLE_ARN (pull request diffs)',
    });
  }

  /**
   * What `npm run smoke -- --stack <name>` reads after a deploy (local/tools/smoke, docs/deploy.md
   * "Smoke test"): the stack's outputs and resources, its alarms' states, POST /orders with SigV4
   * (IAM auth) and the machine app client's secret (client credentials grant). Nothing that
   * writes, except the one test order. The API and user pool ids are made after this role, so
   * those two resources end in a wildcard. The DLQ check needs the brokers, private to the VPC: a
   * GitHub-hosted runner skips it (.github/workflows/deploy-stage.yml).
   */
  private grantSmokeReads(config: PipelineConfig): void {
    const stackName = pipelineStackName(config.stage);
    const statements: Array<[string, string[], string, string]> = [
      [
        'SmokeStackOutputs',
        ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources'],
        this.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${stackName}/*` }),
        "The stack id suffix is CloudFormation's; the name is this stage's stack.",
      ],
      [
        'SmokeAlarms',
        ['cloudwatch:DescribeAlarms'],
        '*',
        // docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
        'DescribeAlarms returns composite alarms only when the permission is scoped to *; it reads alarm states only.',
      ],
      [
        'SmokeSubmit',
        ['execute-api:Invoke'],
        this.formatArn({ service: 'execute-api', resource: '*', resourceName: '$default/POST/orders' }),
        'The API id is created after this role; the grant is POST /orders only.',
      ],
      [
        'SmokeClientSecret',
        ['cognito-idp:DescribeUserPoolClient'],
        this.formatArn({ service: 'cognito-idp', resource: 'userpool', resourceName: '*' }),
        'The user pool id is created after this role; read only.',
      ],
    ];
    for (const [sid, actions, resource, reason] of statements) {
      this.deployRole.addToPolicy(new iam.PolicyStatement({ sid, actions, resources: [resource] }));
      acknowledge(this.deployRole, { id: `AwsSolutions-IAM5[Resource::${this.nagName(resource)}]`, reason });
    }
  }

  /** A resource as cdk-nag names it in a finding: pseudo parameters as `<AWS::Region>`. */
  private nagName(value: string): string {
    const resolved = this.resolve(value) as string | { 'Fn::Join': [string, Array<string | { Ref: string }>] };
    if (typeof resolved === 'string') return resolved;
    const [separator, parts] = resolved['Fn::Join'];
    return parts.map((part) => (typeof part === 'string' ? part : `<${part.Ref}>`)).join(separator);
  }
}
