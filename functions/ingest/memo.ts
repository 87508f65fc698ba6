/**
 * What this container already knows about a record, so that a re-delivery costs almost nothing:
 * the event-source mapping delivers a rejected record up to retryAttempts + 1 times, and with it
 * every later record of its partition (the lowest failed offset is the checkpoint). A record
 * already acknowledged is acknowledged again without the database; a rejected one is reported
 * again without being judged or logged again.
 *
 * Keyed by topic, partition and offset, and checked against a digest of the value, so a record
 * at a reused position (a topic deleted and re-created) is judged afresh. Bounded: the least
 * recently used entries are forgotten first (a forgotten record is simply judged again, which is
 * safe because storing is idempotent). Per container; what a retry in another container needs is
 * kept in PostgreSQL (shared-memo.ts).
 *
 * The bound is lru-cache's: a Map evicting through `keys().next()` walks past every deleted slot
 * at the head of V8's table, so once full, every new record paid for that walk
 * (docs/benchmarks.md, the ingest section).
 */
import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { RecordPosition } from '../../shared/kafka/event.js';
import type { Verdict } from './result.js';

const ACKNOWLEDGED: Verdict = { status: 'duplicate' };
const KEPT_VIOLATIONS = 20;

interface Entry {
  digest: string;
  verdict: Verdict;
}

export class RecordMemo {
  /** Undefined with a bound of 0: nothing is remembered. */
  readonly #entries: LRUCache<string, Entry> | undefined;

  constructor(maxEntries: number) {
    // Counted through maxSize, not max: lru-cache allocates `max` slots up front, at every cold start;
    // counted, its storage grows with use.
    this.#entries = maxEntries > 0 ? new LRUCache<string, Entry>({ maxSize: maxEntries, sizeCalculation: () => 1 }) : undefined;
  }

  get size(): number {
    return this.#entries?.size ?? 0;
  }

  /** Forgets everything (a test or benchmark that empties the database behind the instance's back). */
  clear(): void {
    this.#entries?.clear();
  }

  /** Whether anything is remembered at `position` (an event whose records are all known here needs no look-up in PostgreSQL). */
  knows(position: RecordPosition): boolean {
    return this.#entries?.has(positionKey(position)) ?? false;
  }

  /**
   * `digest`: digestOf(the record's value), computed once per record by the caller. A record
   * remembered as acknowledged comes back as `duplicate` (a re-delivery writes nothing).
   */
  lookup(position: RecordPosition, digest: string): Verdict | undefined {
    const entry = this.#entries?.get(positionKey(position));
    return entry && entry.digest === digest ? entry.verdict : undefined;
  }

  remember(position: RecordPosition, digest: string, verdict: Verdict): void {
    this.#entries?.set(positionKey(position), { digest, verdict: kept(verdict) });
  }
}

/** What a re-delivery needs of a verdict: a hostile record can break thousands of rules. */
export function kept(verdict: Verdict): Verdict {
  if (verdict.status !== 'rejected') return ACKNOWLEDGED;
  const { rejection } = verdict;
  if (rejection.violations.length <= KEPT_VIOLATIONS) return { status: 'rejected', rejection };
  return { status: 'rejected', rejection: { ...rejection, violations: rejection.violations.slice(0, KEPT_VIOLATIONS) } };
}

/** A record's position as one string: the key of this memo and of the verdicts PostgreSQL kept (shared-memo.ts). */
export const positionKey = (position: RecordPosition): string => `${position.topic}\u0000${position.partition}\u0000${position.offset}`;

/** The value as the event carries it (base64 text); anything else (absent, not a string) digests by its type. */
export function digestOf(value: unknown): string {
  return typeof value === 'string' ? hash('sha256', value, 'base64') : `(${value === null ? 'null' : typeof value})`;
}
