// kafkajs 2.2.4 (the last release) makes Node 24 print `TimeoutNegativeWarning: -17… is a negative
// number` once per process: RequestQueue.scheduleCheckPendingRequests computes
// `this.throttledUntil - Date.now()` with throttledUntil still -1 (never throttled) and passes the
// negative delay to setTimeout, which Node 24 replaces by 1 ms with this warning. The 1 ms timer
// is what kafkajs meant (check the queue at once), so the warning says nothing; the fix
// (github.com/tulios/kafkajs issue 1751, pull request 1756) is unreleased. Exactly that warning
// is dropped, recognised by its type and by kafkajs's method in the stack; every other warning
// still prints.
const KAFKAJS_FRAME = 'scheduleCheckPendingRequests';
let installed = false;

/**
 * Drops exactly kafkajs's negative-timeout warning (above); idempotent, called by `createKafka`.
 *
 * @example
 * ```ts
 * ignoreKafkajsNegativeTimeoutWarning();
 * const kafka = new Kafka(config); // no TimeoutNegativeWarning from its request queue
 * ```
 */
export function ignoreKafkajsNegativeTimeoutWarning(): void {
  if (installed) return;
  installed = true;
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const options = rest[0];
    const type = typeof options === 'string' ? options : (options as { type?: string } | undefined)?.type;
    if (type === 'TimeoutNegativeWarning' && new Error().stack?.includes(KAFKAJS_FRAME)) return;
    (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
