import { describe, expect, it } from 'vitest';
import { ignoreKafkajsNegativeTimeoutWarning } from '../../shared/kafka/timeout-warning.js';

/** The warnings `work` makes Node emit. */
async function warningsOf(work: () => void): Promise<string[]> {
  const seen: string[] = [];
  const listener = (warning: Error) => seen.push(warning.name);
  process.on('warning', listener);
  try {
    work();
    // Node emits warnings on process.nextTick: by the next turn of the event loop every one of them is out.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

// What kafkajs's RequestQueue does when it was never throttled (throttledUntil = -1).
class RequestQueue {
  throttledUntil = -1;
  scheduleCheckPendingRequests() {
    setTimeout(() => {}, this.throttledUntil - Date.now());
  }
  /** The warning Node emits there, emitted directly (Node warns about negative timeouts once per process). */
  static warnFromKafkajs() {
    return new (class {
      scheduleCheckPendingRequests() {
        process.emitWarning('-1 is a negative number.', 'TimeoutNegativeWarning');
      }
    })().scheduleCheckPendingRequests();
  }
}

describe("kafkajs's negative timeout warning", () => {
  it('is dropped where kafkajs causes it', async () => {
    ignoreKafkajsNegativeTimeoutWarning();
    expect(await warningsOf(() => new RequestQueue().scheduleCheckPendingRequests())).toEqual([]);
    expect(await warningsOf(() => RequestQueue.warnFromKafkajs())).toEqual([]);
  });

  it('still lets the same warning from elsewhere, and every other warning, through', async () => {
    ignoreKafkajsNegativeTimeoutWarning();
    expect(await warningsOf(() => process.emitWarning('-5 is a negative number.', 'TimeoutNegativeWarning'))).toEqual([
      'TimeoutNegativeWarning',
    ]);
    expect(await warningsOf(() => process.emitWarning('something else', 'DeprecationWarning'))).toEqual(['DeprecationWarning']);
  });
});
