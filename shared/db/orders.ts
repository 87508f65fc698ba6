/**
 * Orders in PostgreSQL: storing a batch of contract-valid orders (one statement, on its own or
 * as one of the statements of a transaction: ingest's store sends a batch as a few such
 * statements in one transaction), reading one order back (the read API), listing the newest,
 * and a liveness check. The SQL lives in order-sql.ts, the parameters in order-rows.ts;
 * queries run on the container's database (pool.ts) unless a caller passes its own.
 */
import type pg from 'pg';
import type { Order } from '../order/schema.js';
import { orderParams } from './order-rows.js';
import { INSERT_ORDERS, SELECT_NEWEST_ORDERS, SELECT_ONE, SELECT_ORDERS_AFTER, SELECT_STORED_ORDER } from './order-sql.js';
import { containerDatabase, type Database } from './pool.js';
import {
  findRecordVerdicts,
  type KeptVerdicts,
  keepRecordVerdicts,
  type OffsetRange,
  type RecordVerdict,
  type RecordVerdictRow,
  recordVerdicts,
} from './record-verdicts.js';
import { toPipelineError } from '../error-mapping.js';
import { PipelineError } from '../errors.js';

/** What storing did to one order: new, harmless repeat, or a different order under a stored order_uid. */
export type StoreOutcome = 'inserted' | 'duplicate' | 'conflict';

type OutcomeRow = { order_uid: string; outcome: StoreOutcome };

// A named statement is parsed and planned once per connection.
const insertOrders = (orders: readonly Order[]): pg.QueryConfig => ({
  name: 'insert-orders',
  text: INSERT_ORDERS,
  values: orderParams(orders),
});

const toOutcomes = (rows: OutcomeRow[], into = new Map<string, StoreOutcome>()) => {
  for (const row of rows) into.set(row.order_uid, row.outcome);
  return into;
};

/**
 * Stores contract-valid orders with distinct order_uids in one statement (one round trip, one
 * transaction), on `database` (by default the container's). Returns the outcome per order_uid.
 * Any database error rejects: nothing is stored.
 */
export async function storeOrders(
  orders: readonly Order[],
  database: Pick<Database, 'query'> = containerDatabase,
): Promise<Map<string, StoreOutcome>> {
  if (orders.length === 0) return new Map();
  return toOutcomes((await database.query<OutcomeRow>(insertOrders(orders))).rows);
}

/** Storing in one transaction on one connection: the statements run in the order they are given. */
export interface OrderTransaction {
  /** Resolves once BEGIN is done (rejects if it failed): give the first statement after it. */
  readonly ready: Promise<void>;
  /**
   * storeOrders inside the transaction. The statement is written to the connection before this
   * returns when the connection is idle (else right after the previous one), so PostgreSQL
   * works on it while the caller goes on. Its outcomes hold once `commit` has resolved.
   */
  storeOrders(orders: readonly Order[]): Promise<Map<string, StoreOutcome>>;
  /** Keeps record verdicts inside the transaction (shared/db/record-verdicts.ts). */
  keepRecordVerdicts(kept: KeptVerdicts): Promise<void>;
  /** Commits and gives the connection back (drops it if the commit failed). */
  commit(): Promise<void>;
  /** Rolls back and gives the connection back, or drops it if that fails; never throws. Nothing was stored. */
  abandon(): Promise<void>;
}

/** COMMIT answered ROLLBACK: a statement of the transaction failed unnoticed (a bug, so a defect). */
export class TransactionRolledBack extends PipelineError {
  override readonly name = 'TransactionRolledBack';
  constructor(message: string) {
    super('defect', message);
  }
}

/** pg's errors enter on a checked-out connection here and leave as PipelineErrors (shared/error-mapping.ts). */
const mapped = (error: unknown): never => {
  throw toPipelineError(error);
};

/** A connection of `database` to use and give back once (dropped after an error). */
async function checkOut(database: Pick<Database, 'connect'>): Promise<{ client: pg.PoolClient; release: (error?: Error) => void }> {
  const client = await database.connect();
  // A connection the server ends while it is checked out (a shutdown, a failover) emits 'error' on
  // the client, which pg-pool listens to only while the client is idle in the pool: without this
  // listener the process would crash. The next statement fails with a connection error instead.
  const lost = () => undefined;
  client.on('error', lost);
  let released = false;
  return {
    client,
    release(error) {
      if (released) return;
      released = true;
      client.off('error', lost);
      client.release(error);
    },
  };
}

/**
 * Opens a transaction on a connection of `database` (by default the container's). Resolves
 * once the connection is taken and BEGIN is sent; BEGIN's round trip overlaps the caller's work.
 */
export async function beginOrderTransaction(database: Pick<Database, 'connect'> = containerDatabase): Promise<OrderTransaction> {
  const { client, release } = await checkOut(database);
  let ended = false;
  const failed = (error: Error): never => {
    ended = true;
    release(error);
    throw toPipelineError(error);
  };
  const ready = client.query('BEGIN').then(() => undefined, failed);
  // Whoever gives the first statement awaits `ready`; until then a failure is not unhandled.
  ready.catch(() => undefined);
  return {
    ready,
    // No await before client.query: the statement must be on the wire when this returns.
    storeOrders: (orders) =>
      orders.length === 0
        ? Promise.resolve(new Map())
        : client.query<OutcomeRow>(insertOrders(orders)).then((result) => toOutcomes(result.rows), mapped),
    keepRecordVerdicts: (kept) => client.query(keepRecordVerdicts(kept)).then(() => undefined, mapped),
    async commit() {
      const result = await client.query('COMMIT').catch(failed);
      ended = true;
      release();
      if (result.command !== 'COMMIT') throw new TransactionRolledBack(`COMMIT answered ${result.command}`);
    },
    async abandon() {
      if (ended) return;
      ended = true;
      await client.query('ROLLBACK').then(
        () => release(),
        (error: Error) => release(error),
      );
    },
  };
}

/**
 * Sends the query for the record verdicts kept within `ranges` on a connection of `database`.
 * Resolves once the query is on the wire, with its answer to await later: PostgreSQL looks while
 * the caller goes on (ingest reads the event meanwhile). The answer rejects with the query's error.
 *
 * @example
 * const { answer } = await lookUpRecordVerdicts([{ topic: 'orders', partition: 0, first: 100, last: 199 }]);
 * const parsed = readTheRecords(); // PostgreSQL answers meanwhile
 * for (const verdict of await answer) console.log(verdict.offset, verdict.status);
 */
export async function lookUpRecordVerdicts(
  ranges: readonly OffsetRange[],
  database: Pick<Database, 'connect'> = containerDatabase,
): Promise<{ answer: Promise<RecordVerdict[]> }> {
  if (ranges.length === 0) return { answer: Promise.resolve([]) };
  const { client, release } = await checkOut(database);
  const answer = client.query<RecordVerdictRow>(findRecordVerdicts(ranges)).then(
    (result) => {
      release();
      return recordVerdicts(result.rows);
    },
    (error: Error) => {
      release(error);
      throw toPipelineError(error);
    },
  );
  // The caller awaits it later; until then a failure is not unhandled.
  answer.catch(() => undefined);
  return { answer };
}

/** What ingest's store needs of the database: single statements, transactions, and the record verdicts kept for retries. */
export interface OrderStore {
  /** One statement, its own transaction. */
  storeOrders(orders: readonly Order[]): Promise<ReadonlyMap<string, StoreOutcome>>;
  transaction(): Promise<OrderTransaction>;
  /** See lookUpRecordVerdicts. */
  lookUpRecordVerdicts(ranges: readonly OffsetRange[]): Promise<{ answer: Promise<RecordVerdict[]> }>;
  /** Keeps record verdicts in a statement of its own. */
  keepRecordVerdicts(kept: KeptVerdicts): Promise<void>;
}

/** The OrderStore of `database` (by default the container's). */
export const orderStore = (database: Pick<Database, 'query' | 'connect'> = containerDatabase): OrderStore => ({
  storeOrders: (orders) => storeOrders(orders, database),
  transaction: () => beginOrderTransaction(database),
  lookUpRecordVerdicts: (ranges) => lookUpRecordVerdicts(ranges, database),
  keepRecordVerdicts: (kept) => database.query(keepRecordVerdicts(kept)).then(() => undefined),
});

/** One line of the newest-orders list (money in minor units, as stored). */
export interface OrderSummary {
  /** Internal sort key for the next page's cursor; not part of the API's summary. */
  id: string;
  order_uid: string;
  date_created: string;
  customer_id: string;
  amount: number;
  currency: string;
  item_count: number;
  delivery_city: string;
}

/** A stored order as the read API serves it: its canonical JSON and its content fingerprint (hex SHA-256). */
export interface StoredOrder {
  json: string;
  fingerprint: string;
}

/** The read API's queries on one database (its instance's pool). */
export interface OrderReader {
  /** The order's canonical JSON and fingerprint, in one query; undefined if unknown. */
  findStoredOrder(orderUid: string): Promise<StoredOrder | undefined>;
  /** Up to `count` summaries, newest first, after the order with internal id `afterId` (or from the newest). */
  listOrderSummaries(count: number, afterId?: string): Promise<OrderSummary[]>;
  /** True when the database answers a trivial query. */
  isReachable(): Promise<boolean>;
}

/**
 * The read API's queries on `database` (the api function passes its instance's own).
 *
 * @example
 * ```ts
 * const reader = orderReader(createDatabase());
 * const stored = await reader.findStoredOrder('b563feb7b2b84b6test');
 * if (stored) respond(200, stored.json, { etag: `"${stored.fingerprint}"` });
 * ```
 */
export function orderReader(database: Pick<Database, 'query'>): OrderReader {
  return {
    async findStoredOrder(orderUid) {
      const result = await database.query<{ order_json: string; fingerprint: string }>({
        name: 'select-stored-order',
        text: SELECT_STORED_ORDER,
        values: [orderUid],
      });
      const row = result.rows[0];
      return row && { json: row.order_json, fingerprint: row.fingerprint };
    },
    async listOrderSummaries(count, afterId) {
      const result = await database.query<Omit<OrderSummary, 'amount'> & { amount: string }>(
        afterId === undefined
          ? { name: 'select-newest-orders', text: SELECT_NEWEST_ORDERS, values: [count] }
          : { name: 'select-orders-after', text: SELECT_ORDERS_AFTER, values: [count, afterId] },
      );
      // bigint arrives as text; the contract keeps money within JSON's exact integers.
      return result.rows.map((row) => ({ ...row, amount: Number(row.amount) }));
    },
    isReachable: () =>
      database.query({ text: SELECT_ONE }).then(
        () => true,
        () => false,
      ),
  };
}
