import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startLocalPostgres } from '../local/services/postgres.js';
import { migrateUp } from '../shared/db/migrate.js';

/** Helpers shared by the benchmarks: a migrated scratch database and the docs table writer. */

export interface BenchDatabase {
  url: string;
  close(): Promise<void>;
}

/** A fresh migrated database: on DATABASE_URL's server if given, else on an embedded server. */
export async function benchDatabase(name: string): Promise<BenchDatabase> {
  const server = process.env.DATABASE_URL
    ? undefined
    : await startLocalPostgres({ dataDir: join(await mkdtemp(join(tmpdir(), 'orders-bench-')), 'data') });
  const adminUrl = process.env.DATABASE_URL ?? server!.url;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await migrateUp({ connection: url.toString() });
  return {
    url: url.toString(),
    close: async () => {
      await server?.destroy();
    },
  };
}

/** Replaces the body of one `## heading` section of docs/benchmarks.md, leaving the others alone. */
export async function writeBenchmarkSection(headingStart: string, body: string): Promise<void> {
  const path = join(import.meta.dirname, '..', 'docs', 'benchmarks.md');
  const text = await readFile(path, 'utf8');
  const start = text.indexOf(`\n${headingStart}`);
  if (start < 0) throw new Error(`docs/benchmarks.md has no section starting with "${headingStart}"`);
  const bodyStart = text.indexOf('\n', start + 1) + 1;
  const next = text.indexOf('\n## ', bodyStart);
  const end = next < 0 ? text.length : next + 1;
  await writeFile(path, `${text.slice(0, bodyStart)}\n${body.trim()}\n\n${text.slice(end)}`.replace(/\n{3,}/g, '\n\n'));
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export function markdownTable(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
