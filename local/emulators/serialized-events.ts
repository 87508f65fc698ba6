/**
 * Events that reach a function only as JSON. The local Lambda service sends each event to an
 * execution environment as a JSON document, so a function it runs never holds the event object
 * it was invoked with. The event-source mapping emulator then gives a retry of the same records
 * the event object it built for the previous attempt (esm/invoker.ts) and declares that object
 * `unchanging`; the service serializes such an object once (`payloadOf`), every other event at
 * each invocation. AWS serializes on its own machines; here the emulator and the functions share
 * the same cores, and re-serializing the same retried batch would be a cost that no deployment pays.
 */

const SERIALIZES_EVENTS = Symbol('serializes its events');

/** Marks `handler` as one that sends its events on as JSON (the local Lambda service's handlers). */
export function serializing<Handler extends object>(handler: Handler): Handler {
  return Object.assign(handler, { [SERIALIZES_EVENTS]: true });
}

/** Whether `handler` was marked by `serializing`: only then may it be given the same event object twice. */
export const serializesEvents = (handler: object): boolean => (handler as { [SERIALIZES_EVENTS]?: boolean })[SERIALIZES_EVENTS] === true;

/** The payloads of the events declared unchanging, serialized on their first invocation. */
const payloads = new WeakMap<object, Buffer | null>();

/** Declares that nobody changes `event` from now on, so that its payload is serialized only once. Returns it. */
export function unchanging<Event extends object>(event: Event): Event {
  if (!payloads.has(event)) payloads.set(event, null);
  return event;
}

/**
 * `event` as the JSON document an execution environment receives, in UTF-8: once per event
 * declared `unchanging` (writing a string to a socket encodes it again each time), else anew.
 */
export function payloadOf(event: unknown): Buffer {
  const kept = typeof event === 'object' && event !== null ? payloads.get(event) : undefined;
  if (kept) return kept;
  const payload = Buffer.from(JSON.stringify(event ?? null));
  if (kept === null) payloads.set(event as object, payload);
  return payload;
}
