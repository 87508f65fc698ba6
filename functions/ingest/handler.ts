/**
 * The ingest function's Lambda entry point: the factory (ingest-handler.ts) wired from the
 * environment, read once per container (cold start).
 */
import { readIngestConfig } from './config.js';
import { createIngestHandler, ingestDependencies } from './ingest-handler.js';

export const handler = createIngestHandler(readIngestConfig(), ingestDependencies());
