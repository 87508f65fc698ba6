import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // test/e2e needs Kafka and Chromium: `npm run test:e2e` (vitest.e2e.config.ts).
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/infra/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    env: {
      // Logs are asserted where they matter (spies); elsewhere they are noise.
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
