/**
 * Where `npm start` listens, from the variables it reads itself (local/services/start.ts): the
 * gateway on PORT (default 3000), the issuer on AUTH_PORT (3001), the broker on KAFKA_PORT (9092)
 * unless KAFKA_BROKERS names another. `npm run token` and `npm run smoke` find it from the same
 * variables. 0 ("pick a free port") cannot be found from outside, so it is refused here.
 */
import * as z from 'zod';
import { blankAsAbsent, type Env, readEnv, wholeNumber } from '../../shared/config.js';

const schema = z.object({
  PORT: wholeNumber({ min: 1, max: 65_535, fallback: 3000 }),
  AUTH_PORT: wholeNumber({ min: 1, max: 65_535, fallback: 3001 }),
  KAFKA_PORT: wholeNumber({ min: 1, max: 65_535, fallback: 9092 }),
  KAFKA_BROKERS: z.preprocess(blankAsAbsent, z.string().trim().optional()),
});

export interface LocalEndpoints {
  apiUrl: string;
  issuer: string;
  brokers: string;
}

export function localEndpoints(env: Env = process.env): LocalEndpoints {
  const parsed = readEnv('npm start endpoints', schema, env);
  return {
    apiUrl: `http://127.0.0.1:${parsed.PORT}`,
    issuer: `http://127.0.0.1:${parsed.AUTH_PORT}`,
    brokers: parsed.KAFKA_BROKERS ?? `127.0.0.1:${parsed.KAFKA_PORT}`,
  };
}
