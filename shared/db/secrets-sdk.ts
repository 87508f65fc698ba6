/**
 * What shared/db/secrets.ts needs of the SDK and Powertools, in one module that it imports on the
 * first secret read: one dynamic import makes one chunk of the bundle (infra/bundle.ts), where
 * three would split the shared code into more, smaller files that Node resolves and compiles one
 * by one.
 */
export { GetParameterError } from '@aws-lambda-powertools/parameters/errors';
export { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
export { isThrottlingError, isTransientError } from '@smithy/core/retry';
