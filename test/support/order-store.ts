import type { OrderStore, OrderTransaction, StoreOutcome } from '../../shared/db/orders.js';
import type { KeptVerdicts, RecordVerdict } from '../../shared/db/record-verdicts.js';
import type { Order } from '../../shared/order/schema.js';

export interface MemoryStoreOptions {
  /** An error to throw for the `call`-th statement (1-based, in or out of a transaction), or undefined. */
  fail?: (orders: readonly Order[], call: number) => unknown;
  /** The orders a statement answers for (all by default): a store that drops some breaks its promise. */
  answered?: (orders: readonly Order[]) => readonly Order[];
}

/**
 * An OrderStore in memory (no database here: the SQL and its transactions run against PostgreSQL
 * in test/integration). It records each statement's order_uids and each transaction's end, and
 * stores like the SQL does: first write wins, a transaction's orders only once it commits; it
 * keeps record verdicts like the SQL does too (by position, pruned below a partition's offset).
 */
export function memoryOrderStore({ fail = () => undefined, answered = (orders) => orders }: MemoryStoreOptions = {}) {
  const statements: string[][] = [];
  const transactions: Array<'open' | 'committed' | 'abandoned'> = [];
  const stored = new Set<string>();
  const verdicts = new Map<string, RecordVerdict>();
  const keyOf = (v: { topic: string; partition: number; offset: number }) => `${v.topic}/${v.partition}/${v.offset}`;
  const keep = ({ verdicts: kept, prune }: KeptVerdicts) => {
    for (const [key, verdict] of verdicts)
      if (prune.some((p) => p.topic === verdict.topic && p.partition === verdict.partition && verdict.offset < p.below))
        verdicts.delete(key);
    for (const verdict of kept) verdicts.set(keyOf(verdict), verdict);
  };

  function statement(orders: readonly Order[], into: Set<string>): Map<string, StoreOutcome> {
    statements.push(orders.map((order) => order.order_uid));
    const error = fail(orders, statements.length);
    if (error) throw error;
    const outcomes = new Map<string, StoreOutcome>();
    for (const order of answered(orders))
      outcomes.set(order.order_uid, stored.has(order.order_uid) || into.has(order.order_uid) ? 'duplicate' : 'inserted');
    for (const order of orders) into.add(order.order_uid);
    return outcomes;
  }

  const store: OrderStore = {
    storeOrders: async (orders) => statement(orders, stored),
    lookUpRecordVerdicts: async (ranges) => ({
      answer: Promise.resolve(
        [...verdicts.values()].filter((v) =>
          ranges.some((r) => r.topic === v.topic && r.partition === v.partition && v.offset >= r.first && v.offset <= r.last),
        ),
      ),
    }),
    keepRecordVerdicts: async (kept) => keep(kept),
    async transaction(): Promise<OrderTransaction> {
      const index = transactions.push('open') - 1;
      const pending = new Set<string>();
      const kept: KeptVerdicts[] = [];
      let failed = false;
      return {
        ready: Promise.resolve(),
        storeOrders: async (orders) => {
          try {
            return statement(orders, pending);
          } catch (error) {
            failed = true;
            throw error;
          }
        },
        keepRecordVerdicts: async (verdicts) => void kept.push(verdicts),
        async commit() {
          if (failed) throw new Error('commit after a failed statement');
          for (const uid of pending) stored.add(uid);
          for (const verdicts of kept) keep(verdicts);
          transactions[index] = 'committed';
        },
        async abandon() {
          transactions[index] = 'abandoned';
        },
      };
    },
  };
  return { store, statements, transactions, stored, verdicts };
}
