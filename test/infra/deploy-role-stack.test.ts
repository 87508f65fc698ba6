/**
 * The deploy-role stack of a stage pinned to an account, as the app synthesizes it next to the
 * pipeline stack: the trust of GitHub's OpenID Connect tokens (audience, subject per
 * repository and environment) and what the roles may do. Bundling is skipped: no functions here.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from '../../infra/deploy-role-stack.js';
import { AwsSolutionsChecks } from '../../infra/nag.js';
import { resourcesOf, synthPipeline } from './synth.js';

const REPOSITORY = 'example-org/order-pipeline';
const STAGES = {
  staging: { account: '111111111111', region: 'eu-west-1', availabilityZones: ['eu-west-1a', 'eu-west-1b'] },
  prod: { account: '222222222222', region: 'eu-west-1', protect: true, availabilityZones: ['eu-west-1a', 'eu-west-1b'] },
};

type Statement = {
  Effect: string;
  Action: string | string[];
  Principal?: { Federated?: unknown };
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
type Role = { RoleName: string; AssumeRolePolicyDocument: { Statement: Statement[] }; MaxSessionDuration?: number };

function synthRoles(context: Record<string, unknown>) {
  const synth = synthPipeline({ githubRepository: REPOSITORY, stages: STAGES, ...context }, { bundle: false });
  return { ...synth, roles: Template.fromStack(synth.deployRoles) };
}

const roleNamed = (template: Template, name: string): [string, Role] => {
  const found = resourcesOf(template, 'AWS::IAM::Role').find(([, role]) => role.RoleName === name);
  if (!found) throw new Error(`no role ${name}`);
  return [found[0], found[1] as unknown as Role];
};

/** Every statement of the inline policies attached to a role. */
const permissionsOf = (template: Template, roleId: string): Statement[] =>
  resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
    .flatMap(([, policy]) => (policy.PolicyDocument as { Statement: Statement[] }).Statement);

const actions = (statements: Statement[]) => statements.flatMap((statement) => [statement.Action].flat()).sort();

describe('deploy roles of the prod stage', () => {
  let synth: ReturnType<typeof synthRoles>;
  beforeAll(() => {
    synth = synthRoles({ stage: 'prod' });
  }, 120_000);

  it('is its own stack, named after the stage and pinned to its account and region', () => {
    expect(synth.deployRoles.stackName).toBe('OrderPipeline-prod-deploy');
    expect(synth.deployRoles.account).toBe('222222222222');
    expect(synth.deployRoles.region).toBe('eu-west-1');
    expect(synth.stack.account).toBe('222222222222');
  });

  it("creates GitHub's OpenID Connect provider for the sts.amazonaws.com audience", () => {
    synth.roles.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: `https://${GITHUB_OIDC_HOST}`,
      ClientIdList: [GITHUB_OIDC_AUDIENCE],
    });
  });

  it("trusts only GitHub tokens for this repository's prod environment, with the STS audience", () => {
    const [, role] = roleNamed(synth.roles, 'order-pipeline-prod-deploy');
    const [providerId] = resourcesOf(synth.roles, 'AWS::IAM::OIDCProvider')[0]!;
    const statements = role.AssumeRolePolicyDocument.Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0]).toEqual({
      Effect: 'Allow',
      Action: 'sts:AssumeRoleWithWebIdentity',
      // The provider's Ref is its ARN.
      Principal: { Federated: { Ref: providerId } },
      Condition: {
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub': `repo:${REPOSITORY}:environment:prod`,
        },
      },
    });
    // No StringLike: a wildcard subject would let any branch, fork workflow or environment in.
    expect(JSON.stringify(statements)).not.toContain('StringLike');
    expect(role.MaxSessionDuration).toBe(3600);
  });

  it('may assume the CDK bootstrap roles of its own account and region, and read what the smoke test checks, nothing else', () => {
    const [roleId] = roleNamed(synth.roles, 'order-pipeline-prod-deploy');
    const statements = permissionsOf(synth.roles, roleId);
    expect(actions(statements)).toEqual([
      'cloudformation:DescribeStacks',
      'cloudformation:ListStackResources',
      'cloudwatch:DescribeAlarms',
      'cognito-idp:DescribeUserPoolClient',
      'execute-api:Invoke',
      'sts:AssumeRole',
      'sts:TagSession',
    ]);
    const assume = statements.find((statement) => [statement.Action].flat().includes('sts:AssumeRole'))!;
    const resources = JSON.stringify(assume.Resource);
    for (const kind of ['deploy', 'file-publishing', 'image-publishing', 'lookup']) {
      expect(resources).toContain(`:role/cdk-hnb659fds-${kind}-role-222222222222-eu-west-1`);
    }
    expect([assume.Resource].flat()).toHaveLength(4);
    expect(statements.every((statement) => statement.Effect === 'Allow' && !statement.Condition)).toBe(true);
    expect(JSON.stringify(statements)).not.toMatch(/"Action":"[a-z-]*:?\*"/);
    // Only DescribeAlarms (read only) is on every resource: AWS returns composite alarms only then.
    const everywhere = statements.filter((statement) => statement.Resource === '*');
    expect(everywhere.map((statement) => statement.Action)).toEqual(['cloudwatch:DescribeAlarms']);
    const stackReads = statements.find((statement) => [statement.Action].flat().includes('cloudformation:DescribeStacks'))!;
    expect(JSON.stringify(stackReads.Resource)).toContain(':stack/OrderPipeline-prod/*');
  });

  it('has a read-only diff role for pull requests of the repository that may assume the lookup role only', () => {
    const [roleId, role] = roleNamed(synth.roles, 'order-pipeline-prod-diff');
    expect(role.AssumeRolePolicyDocument.Statement).toHaveLength(1);
    expect(role.AssumeRolePolicyDocument.Statement[0]!.Condition).toEqual({
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': `repo:${REPOSITORY}:pull_request`,
      },
    });
    const statements = permissionsOf(synth.roles, roleId);
    expect(actions(statements)).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    expect(JSON.stringify(statements[0]!.Resource)).toContain(':role/cdk-hnb659fds-lookup-role-222222222222-eu-west-1');
    expect(JSON.stringify(statements)).not.toContain('deploy-role');
  });

  it('outputs both role ARNs for the GitHub settings', () => {
    expect(Object.keys(synth.roles.findOutputs('*')).sort()).toEqual(['DeployRoleArn', 'DiffRoleArn']);
  });

  it('passes cdk-nag with a reason for every acknowledgement', () => {
    const report = new AwsSolutionsChecks().validateScope(synth.deployRoles);
    expect(report.violations.filter((violation) => violation.severity === 'error')).toEqual([]);
  });
});

describe('deploy roles of a second stage in the same account', () => {
  it('refers to the existing OpenID Connect provider (one per account) and trusts its own environment only', () => {
    const { roles } = synthRoles({
      stage: 'staging2',
      stages: { ...STAGES, staging2: { ...STAGES.staging, createGithubOidcProvider: false } },
    });
    roles.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    const [, role] = roleNamed(roles, 'order-pipeline-staging2-deploy');
    const statement = role.AssumeRolePolicyDocument.Statement[0]!;
    const federated = JSON.stringify(statement.Principal?.Federated);
    expect(federated).toContain(':iam::111111111111:oidc-provider/token.actions.githubusercontent.com');
    expect(statement.Condition?.StringEquals?.['token.actions.githubusercontent.com:sub']).toBe(`repo:${REPOSITORY}:environment:staging2`);
  });
});
