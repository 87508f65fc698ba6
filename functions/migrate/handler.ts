/** The migrate function's Lambda entry point: the factory (migrate-handler.ts) wired from the environment. */
import { createMigrateHandler, migrateDependencies, readMigrateConfig } from './migrate-handler.js';

export const handler = createMigrateHandler(readMigrateConfig(), migrateDependencies());
