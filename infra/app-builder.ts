import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { readConfig } from './config.js';
import { AwsSolutionsChecks } from './nag.js';
import { PipelineStack } from './pipeline-stack.js';

/**
 * Builds the CDK app: used by infra/app.ts (`cdk synth|deploy`) and by test/infra, so the tests
 * check exactly what gets deployed. cdk-nag's AWS Solutions pack runs on every synth: an
 * unacknowledged error interrupts it.
 */
export function buildApp(props: AppProps = {}): { app: App; stack: PipelineStack } {
  const app = new App(props);
  const config = readConfig(app.node);
  const stack = new PipelineStack(app, `OrderPipeline-${config.stage}`, {
    config,
    description: `Order pipeline (${config.stage}): MSK -> Lambda -> RDS PostgreSQL, HTTP API`,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: false }));
  return { app, stack };
}
