// `npm run bench`: every benchmark, one after another (each in its own process, so one's warm
// caches and pools do not flatter the next). Each writes its table into docs/benchmarks.md; with
// BENCH_SMOKE=1 (which the children inherit) each does the least work and writes nothing.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BENCHMARKS = ['ingest.bench.ts', 'api.bench.ts', 'e2e.bench.ts', 'cold-start.bench.ts', 'source-maps.bench.ts'];

let failed = 0;
for (const file of BENCHMARKS) {
  console.log(`\n=== ${file} ===`);
  const result = spawnSync('tsx', [join(import.meta.dirname, file)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed += 1;
    console.error(`${file} failed (exit ${result.status ?? result.signal})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
