// `npm run bench:source-maps`: what the bundles' source maps cost (infra/bundle.ts builds them; the functions run with
// NODE_OPTIONS=--enable-source-maps). Each function's bundle is imported in a fresh Node process, as an execution
// environment's init does, with and without the flag, in PAIRS paired runs (the order alternates within a pair, so a
// busy moment of the shared machine hits both sides alike). Writes its section of docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { bundleFunction, FUNCTION_NAMES } from '../infra/bundle.js';
import { markdownTable, median, SMOKE, writeBenchmarkSection } from './support.js';

// A smoke run (BENCH_SMOKE=1): one pair and one decode per function.
const PAIRS = SMOKE ? 1 : 12;
const DECODE_RUNS = SMOKE ? 1 : 5;
const REPO_ROOT = join(import.meta.dirname, '..');
const root = mkdtempSync(join(tmpdir(), 'bench-source-maps-'));
// The Lambda runtime provides @aws-sdk/*; the repository's node_modules stands in for it.
symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));

interface Run {
  /** The process, start to exit. */
  wall: number;
  /** `await import(bundle)`: loading and evaluating the module (and, with the flag, reading its map). */
  init: number;
  /** The same in CPU time of the process (user + system): less at the mercy of other processes on a shared machine. */
  initCpu: number;
  /** CPU time decoding the map (module.findSourceMap), which the first stack trace through the bundle pays; with `decode` only. */
  decodeCpu: number;
}

function measure(file: string, sourceMaps: boolean, decode = false): Run {
  const script = `import { findSourceMap } from 'node:module';
const cpu = (since) => { const { user, system } = process.cpuUsage(since); return (user + system) / 1000; };
const c0 = process.cpuUsage(); const t0 = performance.now();
await import(${JSON.stringify(file)});
const init = performance.now() - t0; const initCpu = cpu(c0); const c1 = process.cpuUsage();
const map = ${decode} ? findSourceMap(${JSON.stringify(file)}) : undefined; map?.findEntry(0, 100);
process.stdout.write(JSON.stringify({ init, initCpu, decodeCpu: cpu(c1) }));`;
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    // A function reads its configuration at init (migrate fails fast without a database to name); nothing connects at import.
    env: {
      DATABASE_URL: 'postgres://bench@127.0.0.1:1/unused',
      ...process.env,
      NODE_OPTIONS: sourceMaps ? '--enable-source-maps' : '',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    encoding: 'utf8',
  });
  const wall = performance.now() - started;
  if (run.status !== 0) throw new Error(`importing ${file} failed: ${run.stderr}`);
  return { wall, ...(JSON.parse(run.stdout) as Omit<Run, 'wall'>) };
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const ms = (value: number) => value.toFixed(1);
const range = (values: number[]) => `${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))}`;
const percent = (part: number, whole: number) => `${part >= 0 ? '+' : ''}${Math.round((100 * part) / whole)} %`;
const rows: Array<Array<string | number>> = [];
let totalBundle = 0;
let totalMap = 0;
const initCosts: number[] = [];
const traceCosts: number[] = [];
for (const name of FUNCTION_NAMES) {
  const { file } = await bundleFunction(name, join(root, name));
  const mapFile = `${file}.map`;
  const zipped = (path: string) => deflateRawSync(readFileSync(path), { level: 9 }).length;
  measure(file, true); // warm the file cache
  const pairs: Array<{ off: Run; on: Run }> = [];
  for (let i = 0; i < PAIRS; i += 1) {
    if (i % 2 === 0) {
      const off = measure(file, false);
      pairs.push({ off, on: measure(file, true) });
    } else {
      const on = measure(file, true);
      pairs.push({ on, off: measure(file, false) });
    }
  }
  const of = (pick: (pair: { off: Run; on: Run }) => number) => median(pairs.map(pick));
  // Decoding is measured in runs of its own, so that it stays out of the paired process times.
  const decodes = Array.from({ length: DECODE_RUNS }, () => measure(file, true, true).decodeCpu);
  if (name !== 'pre-token') {
    initCosts.push(of((p) => p.on.initCpu - p.off.initCpu));
    traceCosts.push(median(decodes));
  }
  totalBundle += statSync(file).size;
  totalMap += statSync(mapFile).size;
  rows.push([
    name,
    kb(statSync(file).size),
    `${kb(statSync(mapFile).size)} (${kb(zipped(mapFile))} zipped)`,
    `${ms(of((p) => p.off.initCpu))} → ${ms(of((p) => p.on.initCpu))}`,
    `${ms(of((p) => p.on.initCpu - p.off.initCpu))} (${percent(
      of((p) => p.on.initCpu - p.off.initCpu),
      of((p) => p.off.initCpu),
    )})`,
    ms(of((p) => p.on.init - p.off.init)),
    ms(of((p) => p.on.wall - p.off.wall)),
    ms(median(decodes)),
  ]);
  console.log(rows.at(-1)!.join('  '));
}

const table = markdownTable(
  [
    'function',
    'index.mjs KB',
    'index.mjs.map KB',
    'import CPU ms, off → on',
    'Δ import CPU ms',
    'Δ import ms',
    'Δ process ms',
    'first trace: CPU ms',
  ],
  rows,
);
await writeBenchmarkSection(
  '## Source maps',
  `${table}

In short: about ${range(initCosts)} ms of CPU more per cold start for the four pipeline functions, and ${range(traceCosts)} ms
once per execution environment at its first stack trace; the wall-time columns carry the shared machine's noise.

Medians of ${PAIRS} paired fresh-process runs per function (Δ: the median of the pairs' differences; "first trace":
${DECODE_RUNS} runs of its own), ${new Date().toISOString().slice(0, 10)},
load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores.
"import" is \`await import(bundle)\` inside the process (the part of Init Duration that is ours), in CPU time and in
wall time; "process" is the whole \`node\` run (wall time). With \`--enable-source-maps\` Node reads and parses the map
at import; it decodes the mappings only when a stack trace first goes through the bundle ("first trace", once per
execution environment: the first error logged with its stack pays it). The maps add
${kb(totalMap)} KB to ${kb(totalBundle)} KB of bundles (without \`sourcesContent\`: Node needs only the mappings).
What it buys: a stack trace names the TypeScript file and line (test/integration/infra-bundle.test.ts). Turning it
off is one line (\`NODE_OPTIONS\` in \`bundledFunctionProps\`, infra/constructs/pipeline-function.ts); the maps then cost
nothing at init (Node does not read them) and stay in the zip for a later look.
Run: \`npm run bench:source-maps\` (bench/source-maps.bench.ts).`,
);
