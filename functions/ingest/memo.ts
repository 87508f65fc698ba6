import { hash } from 'node:crypto';
import type { RecordPosition } from '../../shared/kafka/event.js';
import type { Rejection } from '../../shared/order/classify.js';

/**
 * What this container already knows about a record, so that a re-delivery costs almost nothing:
 * the event-source mapping delivers a rejected record up to retryAttempts + 1 times, and with it
 * every later record of its partition (the lowest failed offset is the checkpoint). A record
 * already stored is acknowledged again without the database; a rejected one is reported again
 * without being judged or logged again.
 *
 * Keyed by topic, partition and offset, and checked against a digest of the value, so a record
 * at a reused position (a topic deleted and re-created) is judged afresh. Bounded: the oldest
 * entries are forgotten first (a forgotten record is simply judged again, which is safe because
 * storing is idempotent). Per container: another container judges the record itself.
 */
export type Judgement = { kind: 'stored' } | { kind: 'rejected'; rejection: Rejection };

const STORED: Judgement = { kind: 'stored' };
const KEPT_VIOLATIONS = 20;

export class JudgementMemo {
  readonly #entries = new Map<string, { digest: string; judgement: Judgement }>();

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.#entries.size;
  }

  /** Forgets everything (tests that empty the database between cases). */
  clear(): void {
    this.#entries.clear();
  }

  /** `digest`: digestOf(the record's value), computed once per record by the caller. */
  lookup(position: RecordPosition, digest: string): Judgement | undefined {
    const entry = this.#entries.get(keyOf(position));
    return entry && entry.digest === digest ? entry.judgement : undefined;
  }

  rememberStored(position: RecordPosition, digest: string): void {
    this.#remember(position, digest, STORED);
  }

  rememberRejected(position: RecordPosition, digest: string, rejection: Rejection): void {
    // A hostile record can break thousands of rules; what a re-delivery needs is the verdict.
    const kept = rejection.violations.length > KEPT_VIOLATIONS ? { ...rejection, violations: rejection.violations.slice(0, KEPT_VIOLATIONS) } : rejection;
    this.#remember(position, digest, { kind: 'rejected', rejection: kept });
  }

  #remember(position: RecordPosition, digest: string, judgement: Judgement): void {
    if (this.maxEntries <= 0) return;
    const key = keyOf(position);
    this.#entries.delete(key);
    this.#entries.set(key, { digest, judgement });
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }
}

const keyOf = (position: RecordPosition) => `${position.topic}\u0000${position.partition}\u0000${position.offset}`;

/** The value as the event carries it (base64 text); anything else (absent, not a string) digests by its type. */
export function digestOf(value: unknown): string {
  return typeof value === 'string' ? hash('sha256', value, 'base64') : `(${value === null ? 'null' : typeof value})`;
}
