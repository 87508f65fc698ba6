// The read function's entry point: one instance per container, wired from the environment
// (read on the first request). The instance itself: api-handler.ts.
import { apiDependencies, createApiHandler } from './api-handler.js';
import { readApiConfig } from './config.js';

export const handler = createApiHandler(() => readApiConfig(), apiDependencies());
