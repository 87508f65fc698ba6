import { Validations } from 'aws-cdk-lib';
// cdk-nag is CommonJS built by jsii: Node's ES module loader sees only its default export.
import cdkNag from 'cdk-nag';
import type { IConstruct } from 'constructs';

export const { AwsSolutionsChecks } = cdkNag;

/**
 * cdk-nag 3 reads CDK's own acknowledgements (Validations), which apply to the construct and
 * everything under it. A finding of a multi-finding rule is acknowledged as `Rule[finding]`,
 * e.g. `AwsSolutions-IAM5[Resource::*]`.
 */
export function acknowledge(scope: IConstruct, ...rules: Array<{ id: string; reason: string }>): void {
  Validations.of(scope).acknowledge(...rules);
}
