import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { App } from 'aws-cdk-lib';
import { expect } from 'vitest';
import { buildApp } from '../../infra/app-builder.js';
import { ConfigError, readConfig } from '../../infra/config.js';
import type { DeployRoleStack } from '../../infra/deploy-role-stack.js';
import type { PipelineStack } from '../../infra/pipeline-stack.js';

/**
 * Synthesizes the real app in-process, offline: the stack is environment-agnostic, so nothing
 * asks AWS for zones or account details, and no credentials are needed.
 * `bundle: false` skips esbuild (CDK's own switch) for variants whose code is covered elsewhere.
 */
export function synthPipeline(
  context: Record<string, unknown> = {},
  { bundle = true } = {},
): {
  app: App;
  stack: PipelineStack;
  deployRoles: DeployRoleStack;
  template: Template;
  outdir: string;
} {
  const outdir = mkdtempSync(join(tmpdir(), 'order-pipeline-cdk-'));
  const { app, stack, deployRoles } = buildApp({
    outdir,
    context: { ...context, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  app.synth();
  return { app, stack, deployRoles, template: Template.fromStack(stack), outdir };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] }>;

/** Logical id and properties of the resources of one type. */
export function resourcesOf(template: Template, type: string): Array<[string, Record<string, unknown>]> {
  const resources = template.toJSON().Resources as Resources;
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties ?? {}]);
}

/** The Lambda function whose POWERTOOLS_SERVICE_NAME is `service`. */
export function functionByService(template: Template, service: string): [string, Record<string, unknown>] {
  const match = resourcesOf(template, 'AWS::Lambda::Function').find(([, props]) => {
    const variables = (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    return variables?.POWERTOOLS_SERVICE_NAME === service;
  });
  if (!match) throw new Error(`no function with POWERTOOLS_SERVICE_NAME=${service}`);
  return match;
}

/** The environment variables of the function whose POWERTOOLS_SERVICE_NAME is `service`. */
export function variablesOf(template: Template, service: string): Record<string, unknown> {
  const [, fn] = functionByService(template, service);
  return (fn.Environment as { Variables: Record<string, unknown> }).Variables;
}

/** A dependency cycle between resources (DependsOn, Ref, Fn::GetAtt), or [] when there is none. */
export function dependencyCycle(template: Template): string[] {
  const resources = template.toJSON().Resources as Resources;
  const dependencies = (id: string): Set<string> => {
    const found = new Set<string>(resources[id]?.DependsOn ?? []);
    JSON.stringify(resources[id]?.Properties ?? {}, (key, value: unknown) => {
      if (key === 'Ref' && typeof value === 'string' && value in resources) found.add(value);
      if (key === 'Fn::GetAtt' && Array.isArray(value) && String(value[0]) in resources) found.add(String(value[0]));
      return value;
    });
    return found;
  };
  const state = new Map<string, 'open' | 'done'>();
  const visit = (id: string, path: string[]): string[] => {
    if (state.get(id) === 'done') return [];
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    for (const next of dependencies(id)) {
      const cycle = visit(next, [...path, id]);
      if (cycle.length > 0) return cycle;
    }
    state.set(id, 'done');
    return [];
  };
  for (const id of Object.keys(resources)) {
    const cycle = visit(id, []);
    if (cycle.length > 0) return cycle;
  }
  return [];
}

/** The deployment configuration read from `context` alone, as `cdk synth` reads it (no synth). */
export const readContext = (context: Record<string, unknown>) => readConfig(new App({ context }).node);

/** The ConfigError message that `context` gets (throws when it gets none). */
export function contextErrorMessage(context: Record<string, unknown>): string {
  try {
    readContext(context);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('no ConfigError');
}
