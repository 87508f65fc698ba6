import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseReport, reportLine } from '../../local/emulators/lambda/report.js';

describe('REPORT lines', () => {
  it("writes Lambda's tab-separated fields, Init Duration only after a cold start", () => {
    const warm = reportLine({ requestId: 'r-1', durationMs: 2.749, memoryMiB: 512, maxMemoryUsedMiB: 80 });
    expect(warm).toBe('REPORT RequestId: r-1\tDuration: 2.75 ms\tBilled Duration: 3 ms\tMemory Size: 512 MB\tMax Memory Used: 80 MB');
    const cold = reportLine({ requestId: 'r-2', durationMs: 10, memoryMiB: 256, maxMemoryUsedMiB: 70, initMs: 321.5 });
    expect(cold.endsWith('\tInit Duration: 321.50 ms')).toBe(true);
    expect(reportLine({ requestId: 'r-3', durationMs: 1000, memoryMiB: 256, status: 'timeout' })).toMatch(/\tStatus: timeout$/);
  });

  it('reads back what it writes, with or without the function-name prefix', () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.double({ min: 0, max: 900_000, noNaN: true }),
        fc.integer({ min: 128, max: 10_240 }),
        fc.integer({ min: 0, max: 10_240 }),
        fc.option(fc.double({ min: 0, max: 10_000, noNaN: true }), { nil: undefined }),
        (requestId, durationMs, memoryMiB, maxMemoryUsedMiB, initMs) => {
          const line = reportLine({ requestId, durationMs, memoryMiB, maxMemoryUsedMiB, initMs });
          const parsed = parseReport(`[ingest] ${line}`);
          expect(parsed).toMatchObject({ requestId, memoryMiB, maxMemoryUsedMiB });
          expect(parsed!.durationMs).toBeCloseTo(durationMs, 2);
          if (initMs === undefined) expect(parsed!.initMs).toBeUndefined();
          else expect(parsed!.initMs).toBeCloseTo(initMs, 2);
        },
      ),
    );
  });

  it('ignores every other line', () => {
    expect(parseReport('{"level":"WARN","message":"REPORT RequestId: x"}')).toBeUndefined();
    expect(parseReport('START RequestId: x Version: $LATEST')).toBeUndefined();
  });
});
