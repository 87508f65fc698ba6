// The read function's configuration: one schema per concern (CACHE_* in order-cache.ts, AUTH_* in
// shared/http/auth-config.ts), read together once. The database's DATABASE_URL / DB_* are read by
// the instance's pool when it is created (shared/db/pool.ts).
import type { Env } from '../../shared/config.js';
import { type AuthConfig, authConfigFromEnv } from '../../shared/http/auth-config.js';
import { cacheConfigFromEnv, type OrderCacheConfig } from './order-cache.js';

export interface ApiConfig {
  cache: OrderCacheConfig;
  /** The page's sign-in settings; undefined: no sign-in configured. */
  signIn: AuthConfig | undefined;
}

/** Throws one ConfigError per concern, naming each bad variable. */
export function readApiConfig(env: Env = process.env): ApiConfig {
  return { cache: cacheConfigFromEnv(env), signIn: authConfigFromEnv(env) };
}
