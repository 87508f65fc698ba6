// Lambda's REPORT log line, one per invocation (lambda/latest/dg/nodejs-logging.html):
//   REPORT RequestId: <id>  Duration: <d> ms  Billed Duration: <b> ms  Memory Size: <m> MB  Max Memory Used: <u> MB
// tab-separated, with `Init Duration: … ms` after a cold start and `Status: timeout` / `Status: error`
// when the invocation ended the environment. `parseReport` reads it back (benchmarks, tests).

export interface Report {
  requestId: string;
  durationMs: number;
  memoryMiB: number;
  maxMemoryUsedMiB?: number | undefined;
  initMs?: number | undefined;
  status?: 'timeout' | 'error';
  errorType?: string;
}

export function reportLine(report: Report): string {
  const fields = [
    `REPORT RequestId: ${report.requestId}`,
    `Duration: ${report.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.max(1, Math.ceil(report.durationMs))} ms`,
    `Memory Size: ${report.memoryMiB} MB`,
    `Max Memory Used: ${report.maxMemoryUsedMiB ?? 0} MB`,
  ];
  if (report.initMs !== undefined) fields.push(`Init Duration: ${report.initMs.toFixed(2)} ms`);
  if (report.status) fields.push(`Status: ${report.status}`);
  if (report.errorType) fields.push(`Error Type: ${report.errorType}`);
  return fields.join('\t');
}

const REPORT =
  /^REPORT RequestId: (\S+)\tDuration: ([\d.]+) ms\tBilled Duration: \d+ ms\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB(?:\tInit Duration: ([\d.]+) ms)?/;

/** The fields of a REPORT line (the `[function]` prefix, if any, removed first), or undefined for another line. */
export function parseReport(line: string): Report | undefined {
  const match = REPORT.exec(line.replace(/^\[[^\]]+\] /, ''));
  if (!match) return undefined;
  const [, requestId, duration, memory, used, init] = match;
  return {
    requestId: requestId!,
    durationMs: Number(duration),
    memoryMiB: Number(memory),
    maxMemoryUsedMiB: Number(used),
    ...(init !== undefined ? { initMs: Number(init) } : {}),
  };
}
