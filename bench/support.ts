import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createScratchDatabase, openScratchServer } from '../test/support/database.js';

/** Helpers shared by the benchmarks: a migrated scratch database and the docs table writer. */

/**
 * BENCH_SMOKE=1 (CI): each benchmark does the least work that still runs all of its code and
 * writes nothing, so that `npm run bench` keeps working between real runs.
 */
export const SMOKE = process.env.BENCH_SMOKE === '1';
if (SMOKE) console.log('smoke run (BENCH_SMOKE=1): the least work that runs every step; the numbers mean nothing');

export interface BenchDatabase {
  url: string;
  close(): Promise<void>;
}

/**
 * A fresh migrated database named `name` (test/support/database.ts): on DATABASE_URL's server if
 * given (the database stays for a look afterwards), else on an embedded server that `close` deletes.
 */
export async function benchDatabase(name: string): Promise<BenchDatabase> {
  const server = await openScratchServer('orders-bench-');
  const database = await createScratchDatabase(server.adminUrl, { name });
  return { url: database.url, close: () => server.close() };
}

/** Replaces the body of one `## heading` section of docs/benchmarks.md, leaving the others alone (not in a smoke run). */
export async function writeBenchmarkSection(headingStart: string, body: string): Promise<void> {
  if (SMOKE) {
    console.log('smoke run: docs/benchmarks.md not written');
    return;
  }
  const path = join(import.meta.dirname, '..', 'docs', 'benchmarks.md');
  const text = await readFile(path, 'utf8');
  const start = text.indexOf(`\n${headingStart}`);
  if (start < 0) throw new Error(`docs/benchmarks.md has no section starting with "${headingStart}"`);
  const bodyStart = text.indexOf('\n', start + 1) + 1;
  const next = text.indexOf('\n## ', bodyStart);
  const end = next < 0 ? text.length : next + 1;
  await writeFile(path, `${text.slice(0, bodyStart)}\n${body.trim()}\n\n${text.slice(end)}`.replace(/\n{3,}/g, '\n\n'));
}

/**
 * A process's parent and the CPU it has used so far (user + system, ms), from /proc/<pid>/stat
 * (Linux). Throws where /proc has no such process.
 */
export function processStat(pid: number | string): { ppid: number; cpuMs: number } {
  // After the command's closing parenthesis: state, ppid, ... utime and stime (fields 14 and 15),
  // in USER_HZ (100 per second).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { ppid: Number(fields[1]), cpuMs: (Number(fields[11]) + Number(fields[12])) * 10 };
}

/** The processes whose parent is `parentPid` now, with their CPU so far (/proc; one that ends meanwhile is left out). */
export function childProcesses(parentPid: number): Array<{ pid: string; cpuMs: number }> {
  const children: Array<{ pid: string; cpuMs: number }> = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = processStat(pid);
      if (stat.ppid === parentPid) children.push({ pid, cpuMs: stat.cpuMs });
    } catch {
      // The process ended meanwhile.
    }
  }
  return children;
}

/**
 * `BENCH_PIN=1`: the PostgreSQL server that `backendPid` belongs to on the last core, this process
 * on the others (Linux, `taskset`, a server on this machine), as in AWS, where RDS runs on its own
 * host and never takes CPU from the function. Backends forked later inherit the server's core.
 * Returns what it did, for the benchmark's notes.
 */
export function pinPostgresApart(backendPid: number): string {
  const last = cpus().length - 1;
  if (last < 1) throw new Error('BENCH_PIN=1 needs at least two cores');
  const postmaster = processStat(backendPid).ppid;
  for (const pid of [String(postmaster), ...childProcesses(postmaster).map((child) => child.pid)])
    execFileSync('taskset', ['-a', '-p', '-c', String(last), pid], { stdio: 'ignore' });
  execFileSync('taskset', ['-a', '-p', '-c', `0-${last - 1}`, String(process.pid)], { stdio: 'ignore' });
  return `BENCH_PIN=1: PostgreSQL pinned to core ${last}, the benchmark to the ${last === 1 ? 'other core' : `other ${last} cores`}`;
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
