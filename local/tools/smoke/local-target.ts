/**
 * The smoke test's target when it runs against `npm start`: the gateway, issuer and broker from
 * PORT / AUTH_PORT / KAFKA_PORT (or KAFKA_BROKERS), as `npm start` reads them. Requests carry one
 * token of the local issuer's machine client (client credentials grant) with orders/read and
 * orders/write: locally POST /orders takes a JWT with orders/write, since IAM cannot be checked
 * here. The DLQ is the local topic `orders.dlq`.
 */
import { logLevel } from 'kafkajs';
import { SCOPES } from '../../../shared/http/routes.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { DEFAULT_DLQ_TOPIC } from '../../../shared/kafka/topics.js';
import type { Env } from '../../../shared/config.js';
import { localEndpoints } from '../local-endpoints.js';
import { localToken } from '../token.js';
import type { SmokeTarget } from './checks.js';

export function localTarget(env: Env = process.env): SmokeTarget {
  const { apiUrl, issuer, brokers } = localEndpoints(env);
  let token: Promise<string> | undefined;
  const bearer = async () => {
    token ??= localToken(issuer, [SCOPES.read, SCOPES.write]);
    return { authorization: `Bearer ${await token}` };
  };
  return {
    label: `npm start (${apiUrl}, issuer ${issuer}, Kafka ${brokers})`,
    apiUrl,
    prepare: async () => void (await bearer()),
    readHeaders: bearer,
    submitHeaders: bearer,
    dlq: {
      topic: DEFAULT_DLQ_TOPIC,
      kafka: createKafka({
        brokers,
        clientId: 'smoke-test',
        logLevel: logLevel.NOTHING,
        connectionTimeout: 3_000,
        retry: { retries: 2, initialRetryTime: 200 },
      }),
    },
  };
}
