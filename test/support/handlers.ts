import { apiDependencies, createApiHandler } from '../../functions/api/api-handler.js';
import type { ApiConfig } from '../../functions/api/config.js';
import { cacheConfigFromEnv } from '../../functions/api/order-cache.js';
import type { Database } from '../../shared/db/pool.js';

/**
 * A read-function instance of the test's own (container-state pattern): its own pool on
 * `databaseUrl`, its own cache, the default configuration unless the test gives parts of it.
 * Close `database` when done (tests of several instances close each).
 */
export function apiInstance(
  databaseUrl: string,
  config: Partial<ApiConfig> = {},
  env: NodeJS.ProcessEnv = {},
): { handler: ReturnType<typeof createApiHandler>; database: Database } {
  const dependencies = apiDependencies({ DATABASE_URL: databaseUrl, ...env });
  const handler = createApiHandler({ cache: cacheConfigFromEnv({}), signIn: undefined, ...config }, dependencies);
  return { handler, database: dependencies.database };
}
