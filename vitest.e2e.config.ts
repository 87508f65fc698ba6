import { defineConfig } from 'vitest/config';

// `npm run test:e2e`: real Kafka broker + real PostgreSQL + real Chromium (see README).
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    env: {
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    // One broker and two cores: run the e2e files one after another.
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
