import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';

/**
 * X-Ray tracing with the Powertools Tracer, for functions invoked through API Gateway (the
 * infra turns on active tracing for them). The Tracer is inactive outside Lambda and with
 * POWERTOOLS_TRACE_ENABLED=false. Responses are not recorded: they carry names and addresses.
 */
export function tracing(serviceName: string): MiddlewareObj {
  return captureLambdaHandler(new Tracer({ serviceName }), { captureResponse: false });
}
