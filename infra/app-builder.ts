/**
 * Builds the CDK app for the selected stage (`-c stage=<name>`, infra/stages.ts): its pipeline
 * stack and the stack of the roles GitHub Actions deploys it with, both pinned to the stage's
 * account and region. Used by infra/app.ts (`cdk synth|deploy`) and by test/infra, so the tests
 * check exactly what gets deployed. cdk-nag's AWS Solutions pack runs on every synth: an
 * unacknowledged error interrupts it.
 */
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { readConfig } from './config.js';
import { DeployRoleStack } from './deploy-role-stack.js';
import { AwsSolutionsChecks } from './nag.js';
import { PipelineStack } from './pipeline-stack.js';
import { deployRoleStackName, pipelineStackName } from './stages.js';

export function buildApp(props: AppProps = {}): { app: App; stack: PipelineStack; deployRoles: DeployRoleStack } {
  const app = new App(props);
  const config = readConfig(app.node);
  const env = config.env ? { env: config.env } : {};
  const stack = new PipelineStack(app, pipelineStackName(config.stage), {
    config,
    ...env,
    description: `Order pipeline (${config.stage}): MSK -> Lambda -> RDS PostgreSQL, HTTP API`,
  });
  const qualifier = app.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') as string | undefined;
  const deployRoles = new DeployRoleStack(app, deployRoleStackName(config.stage), {
    config,
    ...env,
    ...(qualifier ? { qualifier } : {}),
    description: `Order pipeline (${config.stage}): the roles GitHub Actions deploys it with (OIDC)`,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: false }));
  return { app, stack, deployRoles };
}
