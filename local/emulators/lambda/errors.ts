// What a synchronous invocation of the local Lambda service throws, as Lambda's Invoke answers:
// a function error (FunctionError: Unhandled, with the runtime's errorType and errorMessage) or
// a throttle (HTTP 429 TooManyRequestsException, reason
// ReservedFunctionConcurrentInvocationLimitExceeded: lambda/latest/api/API_Invoke.html).
import type { FunctionErrorBody } from './runtime-api.js';

export class FunctionError extends Error {
  readonly errorType: string;
  constructor(
    readonly functionName: string,
    readonly body: FunctionErrorBody,
  ) {
    super(body.errorMessage || body.errorType);
    this.name = 'FunctionError';
    this.errorType = body.errorType;
  }
}

export class TooManyRequestsError extends Error {
  readonly statusCode = 429;
  readonly reason = 'ReservedFunctionConcurrentInvocationLimitExceeded';
  constructor(
    readonly functionName: string,
    readonly concurrency: number,
  ) {
    super(`Rate Exceeded. (${functionName} runs its ${concurrency} concurrent executions)`);
    this.name = 'TooManyRequestsException';
  }
}
