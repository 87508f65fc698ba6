/**
 * The ingest properties, checked batch by batch against the real PostgreSQL, for the property
 * test and `npm run fuzz`:
 *  1. with the database up the handler never throws;
 *  2. every record is either acknowledged or reported; acknowledged ⇒ a valid order, stored
 *     exactly once, and GET /orders/{uid} (the api handler) returns exactly that order;
 *  3. a record the contract accepts is never refused by the database (contract and database agree);
 *  4. a replay of the batch, by the same container and by a fresh one, stores nothing new and
 *     reports the same records;
 *  5. every stored order satisfies the contract (checkStoredOrders, at the end).
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type pg from 'pg';
import type { KafkaBatchResponse } from '../../shared/kafka/batch-response.js';
import { decodeRecord, type KafkaEvent, type KafkaEventRecord, partitionName } from '../../shared/kafka/event.js';
import { classifyText } from '../../shared/order/classify.js';
import type { Order } from '../../shared/order/schema.js';
import { validateOrder } from '../../shared/order/validate.js';
import type { HostileRecord } from './hostile-records.js';
import { buildKafkaEvent } from '../support/kafka-events.js';
import { PipelineError } from '../../shared/errors.js';
import { findOrderJson } from '../support/stored-orders.js';

export class PropertyViolation extends PipelineError {
  override readonly name = 'PropertyViolation';
  constructor(message: string) {
    super('defect', message);
  }
}

type IngestHandler = (event: KafkaEvent, context: Context) => Promise<KafkaBatchResponse>;
type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<{ statusCode: number; body?: string }>;

export interface CheckerOptions {
  ingest: IngestHandler;
  /** A new instance of the handler (a fresh execution environment, with nothing remembered). */
  freshIngest: () => IngestHandler;
  api: ApiHandler;
  apiEvent: (path: string) => APIGatewayProxyEventV2;
  context: () => Context;
  sql: pg.Client;
  topic: string;
}

export interface CheckStats {
  batches: number;
  records: number;
  acknowledged: number;
  reported: number;
  byKind: Map<string, { acknowledged: number; reported: number }>;
  /** Why reported records were rejected: reason and the first violated path. */
  byRejection: Map<string, number>;
}

/** JSON with sorted keys: equal texts ⇔ equal JSON values (what "exactly" means on the wire). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, field]) => field !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Checks batches one after another; positions (offsets per partition) never repeat within one checker. */
export class IngestChecker {
  readonly stats: CheckStats = { batches: 0, records: 0, acknowledged: 0, reported: 0, byKind: new Map(), byRejection: new Map() };
  readonly #offsets = new Map<number, number>();

  constructor(private readonly options: CheckerOptions) {}

  /** Runs one batch through the handler and checks properties 1–4; throws PropertyViolation. */
  async check(records: readonly HostileRecord[]): Promise<void> {
    const { event, byRecord } = this.#toEvent(records);
    const response = await this.#invoke(event);
    this.stats.batches += 1;
    this.stats.records += records.length;
    await this.#checkVerdicts(byRecord, response);
    await this.#checkReplay(event, response);
  }

  /** Property 5 over the whole table. Returns how many orders were checked. */
  async checkStoredOrders(): Promise<number> {
    const { rows } = await this.options.sql.query<{ order_uid: string }>('SELECT order_uid FROM orders');
    for (const { order_uid: orderUid } of rows) {
      const json = await findOrderJson(orderUid);
      const result = validateOrder(JSON.parse(json ?? 'null'));
      if (!result.ok) throw new PropertyViolation(`stored order ${orderUid} breaks the contract: ${JSON.stringify(result.violations)}`);
    }
    return rows.length;
  }

  #toEvent(records: readonly HostileRecord[]) {
    // The envelope of the emulator's events; the records are written here, raw: hostile ones are not valid base64.
    const event: KafkaEvent = buildKafkaEvent([]);
    const byRecord: Array<{ record: KafkaEventRecord; hostile: HostileRecord }> = [];
    for (const hostile of records) {
      const offset = this.#offsets.get(hostile.partition) ?? 0;
      this.#offsets.set(hostile.partition, offset + 1);
      const record = {
        topic: this.options.topic,
        partition: hostile.partition,
        offset,
        timestamp: Date.now(),
        timestampType: 'CREATE_TIME',
        ...(hostile.key === undefined ? {} : { key: hostile.key }),
        value: hostile.value,
      } as KafkaEventRecord;
      (event.records[partitionName(record)] ??= []).push(record);
      byRecord.push({ record, hostile });
    }
    return { event, byRecord };
  }

  async #countOrders(): Promise<number> {
    return Number((await this.options.sql.query<{ n: string }>('SELECT count(*) AS n FROM orders')).rows[0]?.n);
  }

  async #invoke(event: KafkaEvent): Promise<KafkaBatchResponse> {
    try {
      return await this.options.ingest(event, this.options.context());
    } catch (error) {
      throw new PropertyViolation(`the handler threw with the database up: ${(error as Error).stack ?? String(error)}`);
    }
  }

  async #expectServed(order: Order, position: string): Promise<void> {
    const response = await this.options.api(this.options.apiEvent(`/orders/${order.order_uid}`), this.options.context());
    if (response.statusCode !== 200)
      throw new PropertyViolation(`acknowledged ${position} (${order.order_uid}) but GET answers ${response.statusCode}`);
    const served = canonicalJson(JSON.parse(response.body ?? 'null'));
    if (served !== canonicalJson(order))
      throw new PropertyViolation(
        `acknowledged ${position} but GET returns different content:\n sent   ${canonicalJson(order)}\n served ${served}`,
      );
  }

  async #storedUids(uids: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await this.options.sql.query<{ order_uid: string; n: string }>(
      'SELECT order_uid, count(*) AS n FROM orders WHERE order_uid = ANY($1) GROUP BY order_uid',
      [uids],
    );
    return new Map(rows.map((row) => [row.order_uid, Number(row.n)]));
  }

  #tally(kind: string, acknowledged: boolean) {
    const entry = this.stats.byKind.get(kind) ?? { acknowledged: 0, reported: 0 };
    if (acknowledged) entry.acknowledged += 1;
    else entry.reported += 1;
    this.stats.byKind.set(kind, entry);
    if (acknowledged) this.stats.acknowledged += 1;
    else this.stats.reported += 1;
  }

  /** Each record: acknowledged ⇒ a valid order; returns the orders to look up, with their verdict. */
  #judge(byRecord: ReadonlyArray<{ record: KafkaEventRecord; hostile: HostileRecord }>, failed: ReadonlySet<string>) {
    const checks: Array<{ order: Order | undefined; acknowledged: boolean; name: string }> = [];
    for (const { record, hostile } of byRecord) {
      const name = `${partitionName(record)}@${record.offset}`;
      const decoded = decodeRecord({ position: record, record });
      const classified = decoded.value.ok ? classifyText(decoded.value.text, decoded.key) : undefined;
      const acknowledged = !failed.has(name);
      this.#tally(hostile.kind, acknowledged);
      if (acknowledged && !classified?.ok) {
        const why = classified ? JSON.stringify(classified.violations.slice(0, 3)) : decoded.value.ok ? '' : decoded.value.reason;
        throw new PropertyViolation(`acknowledged ${name} (${hostile.kind}), which is not a valid order: ${why}`);
      }
      if (!acknowledged) {
        const why =
          classified === undefined
            ? 'undecodable'
            : classified.ok
              ? 'valid order (conflict)'
              : `${classified.reason} ${classified.violations[0]?.path ?? ''}`;
        this.stats.byRejection.set(why, (this.stats.byRejection.get(why) ?? 0) + 1);
      }
      checks.push({ order: classified?.ok ? classified.order : undefined, acknowledged, name });
    }
    return checks;
  }

  async #checkVerdicts(byRecord: ReadonlyArray<{ record: KafkaEventRecord; hostile: HostileRecord }>, response: KafkaBatchResponse) {
    const failed = new Set(response.batchItemFailures.map(({ itemIdentifier }) => `${itemIdentifier.partition}@${itemIdentifier.offset}`));
    const positions = new Set(byRecord.map(({ record }) => `${partitionName(record)}@${record.offset}`));
    for (const name of failed) if (!positions.has(name)) throw new PropertyViolation(`reported ${name}, which is not in the batch`);
    const checks = this.#judge(byRecord, failed);
    const stored = await this.#storedUids(checks.flatMap(({ order }) => (order ? [order.order_uid] : [])));
    for (const { order, acknowledged, name } of checks) {
      if (!order) continue;
      if ((stored.get(order.order_uid) ?? 0) > 1)
        throw new PropertyViolation(`${order.order_uid} is stored ${stored.get(order.order_uid)} times`);
      if (acknowledged) await this.#expectServed(order, name);
      else if (!stored.has(order.order_uid))
        throw new PropertyViolation(`the contract accepts ${name} but it was not stored: the database refused it, or it was lost`);
    }
  }

  async #checkReplay(event: KafkaEvent, first: KafkaBatchResponse) {
    const before = await this.#countOrders();
    const again = await this.#invoke(event);
    const fresh = await this.options.freshIngest()(event, this.options.context());
    for (const [who, response] of [
      ['the same container', again],
      ['a fresh container', fresh],
    ] as const) {
      if (JSON.stringify(response) !== JSON.stringify(first))
        throw new PropertyViolation(
          `a replay by ${who} reports differently:\n first  ${JSON.stringify(first)}\n replay ${JSON.stringify(response)}`,
        );
    }
    const after = await this.#countOrders();
    if (after !== before) throw new PropertyViolation(`a replay stored ${after - before} new order(s)`);
  }
}
