// Named stages: each one deployment of the pipeline (stack `OrderPipeline-<stage>`, its deploy
// roles in `OrderPipeline-<stage>-deploy`), pinned to an AWS account and region, with settings of
// its own. They are the `stages` context key (cdk.json); `-c stage=<name>` picks one (default
// `dev`). An entry holds `account` and `region` (both or neither: without them the stack is
// environment-agnostic and deploys where the credentials point), `protect` (production safeguards)
// and any other context key, which wins over the same key at the top level for that stage only.
// docs/deploy.md "Stages" shows adding one.
import type { Environment } from 'aws-cdk-lib';
import * as z from 'zod';
import { blankAsAbsent, type ConfigProblem } from '../shared/config.js';

/**
 * Letters, digits and hyphens, up to 16: the stage is part of the stack name, the Cognito domain
 * prefix (`<appName>-<stage>-<account>`, at most 63) and IAM role names (at most 64).
 */
const STAGE_NAME = /^[a-z][a-z0-9-]{0,15}$/;

/** Without a `stages` key (tests, an empty cdk.json): the two stages the app always had. */
export const DEFAULT_STAGES: Record<string, Record<string, unknown>> = { dev: {}, prod: { protect: true } };

export const DEFAULT_STAGE = 'dev';

const StageEntrySchema = z
  .object({
    account: z.preprocess(
      blankAsAbsent,
      z
        .string()
        .regex(/^\d{12}$/, 'an AWS account id (12 digits)')
        .optional(),
    ),
    region: z.preprocess(
      blankAsAbsent,
      z
        .string()
        .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region such as eu-west-1')
        .optional(),
    ),
    protect: z.boolean().optional(),
  })
  .catchall(z.unknown())
  .refine((entry) => (entry.account === undefined) === (entry.region === undefined), 'account and region go together');

export interface Stage {
  name: string;
  /** Absent: environment-agnostic (the credentials' account and region at deploy time). */
  env?: Required<Pick<Environment, 'account' | 'region'>>;
  /** Deletion protection, backups, Multi-AZ, snapshot on delete, retained logs. */
  protect: boolean;
  /** The entry's other keys: context keys for this stage. */
  settings: Record<string, unknown>;
}

/** The selected stage, or the problems (each naming `stage` or `stages.<name>...`). */
export function selectStage(stagesValue: unknown, stageValue: unknown): Stage | ConfigProblem[] {
  const stages = parseStages(stagesValue);
  if (!isRecord(stages)) return [{ name: 'stages', message: 'an object of stage name -> settings (docs/deploy.md "Stages")' }];
  const name = String(blankAsAbsent(stageValue) ?? DEFAULT_STAGE).trim();
  const bad = Object.keys(stages).filter((key) => !STAGE_NAME.test(key));
  if (bad.length > 0) {
    return [{ name: 'stages', message: `stage names are lowercase letters, digits and hyphens, up to 16: ${bad.join(', ')}` }];
  }
  const entry = stages[name];
  if (entry === undefined) {
    const known = Object.keys(stages).join(', ');
    return [{ name: 'stage', message: `"${name}" is not one of the stages (${known}): add it under "stages" in cdk.json` }];
  }
  const parsed = StageEntrySchema.safeParse(entry ?? {});
  if (!parsed.success) {
    const where = (path: readonly PropertyKey[]) => [`stages.${name}`, ...path.map(String)].join('.');
    return parsed.error.issues.map((issue) => ({ name: where(issue.path), message: issue.message }));
  }
  const { account, region, protect, ...settings } = parsed.data;
  if ('stage' in settings || 'stages' in settings) {
    return [{ name: `stages.${name}`, message: '"stage" and "stages" cannot be set inside a stage' }];
  }
  return { name, ...(account && region ? { env: { account, region } } : {}), protect: protect ?? false, settings };
}

/** `-c stages='{...}'` arrives as a string; cdk.json gives the object. */
function parseStages(value: unknown): unknown {
  const present = blankAsAbsent(value);
  if (present === undefined) return DEFAULT_STAGES;
  if (typeof present !== 'string') return present;
  try {
    return JSON.parse(present) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The pipeline stack of a stage. */
export const pipelineStackName = (stage: string): string => `OrderPipeline-${stage}`;

/** The stack with the stage's deploy roles (infra/deploy-role-stack.ts). */
export const deployRoleStackName = (stage: string): string => `${pipelineStackName(stage)}-deploy`;
