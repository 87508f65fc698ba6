import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Powertools Logger and Metrics for one function. Structured JSON logs; metrics as CloudWatch
 * embedded metric format. The namespace is overridable with POWERTOOLS_METRICS_NAMESPACE and
 * the level with POWERTOOLS_LOG_LEVEL; POWERTOOLS_METRICS_DISABLED=true silences metrics locally.
 */
export const METRICS_NAMESPACE = 'OrderPipeline';

export function createObservability(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE, serviceName }),
  };
}
