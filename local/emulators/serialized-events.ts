/**
 * Events that reach a function only as JSON. The local Lambda service sends each event to an
 * execution environment as a JSON document, so a function it runs never holds the event object
 * it was invoked with: that object cannot change between invocations. The event-source mapping
 * emulator then gives a retry of the same records the event object it built for the previous
 * attempt (esm/invoker.ts), and the service serializes each event object once (`payloadOf`). AWS
 * serializes on its own machines; here the emulator and the functions share the same cores, and
 * re-serializing the same retried batch would be a cost that no deployment pays.
 */

const SERIALIZES_EVENTS = Symbol('serializes its events');

/** Marks `handler` as one that sends its events on as JSON (the local Lambda service's handlers). */
export function serializing<Handler extends object>(handler: Handler): Handler {
  return Object.assign(handler, { [SERIALIZES_EVENTS]: true });
}

/** Whether `handler` was marked by `serializing`: only then may it be given the same event object twice. */
export const serializesEvents = (handler: object): boolean => (handler as { [SERIALIZES_EVENTS]?: boolean })[SERIALIZES_EVENTS] === true;

const payloads = new WeakMap<object, Buffer>();

/**
 * `event` as the JSON document an execution environment receives, in UTF-8: serialized and
 * encoded once per event object (writing a string to a socket encodes it again each time).
 */
export function payloadOf(event: unknown): Buffer {
  if (typeof event !== 'object' || event === null) return Buffer.from(JSON.stringify(event ?? null));
  let payload = payloads.get(event);
  if (payload === undefined) {
    payload = Buffer.from(JSON.stringify(event));
    payloads.set(event, payload);
  }
  return payload;
}
