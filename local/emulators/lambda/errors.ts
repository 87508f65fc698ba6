// What a synchronous invocation of the local Lambda service throws, as Lambda's Invoke answers:
// a function error (FunctionError: Unhandled, with the runtime's errorType and errorMessage) or
// a throttle (HTTP 429 TooManyRequestsException, reason
// ReservedFunctionConcurrentInvocationLimitExceeded: lambda/latest/api/API_Invoke.html).
// A function error is a `defect` to the caller (it cannot tell why the function failed; an event
// source retries it anyway); a throttle is `unavailable` (waiting helps).
import { PipelineError } from '../../../shared/errors.js';
import type { FunctionErrorBody } from './runtime-api.js';

export class FunctionError extends PipelineError {
  override readonly name = 'FunctionError';
  readonly errorType: string;
  constructor(
    readonly functionName: string,
    readonly body: FunctionErrorBody,
  ) {
    super('defect', body.errorMessage || body.errorType);
    this.errorType = body.errorType;
  }
}

export class TooManyRequestsError extends PipelineError {
  /** Lambda's name for it (the Invoke API's error code). */
  override readonly name = 'TooManyRequestsException';
  readonly statusCode = 429;
  readonly reason = 'ReservedFunctionConcurrentInvocationLimitExceeded';
  constructor(
    readonly functionName: string,
    readonly concurrency: number,
  ) {
    super('unavailable', `Rate Exceeded. (${functionName} runs its ${concurrency} concurrent executions)`);
  }
}
