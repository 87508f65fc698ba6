/**
 * The smoke test's checks, the same against `npm start` and a deployed stack (only the target's
 * endpoints and credentials differ, see local-target.ts and stack-target.ts): `/health`; the
 * credentials; an order submitted with POST /orders and read back with GET /orders/{order_uid}
 * until it is exactly what was sent; the DLQ gained no record of it; and, deployed, no alarm of
 * the stack in ALARM. A check that needs one that failed is not run, and says so on stdout (its
 * cause already has its failure line).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type { Kafka } from 'kafkajs';
import { createFaker, fakeOrder } from '../fake-orders.js';
import type { Order } from '../../../shared/order/schema.js';
import { causeOf } from '../client-credentials.js';
import { readableOrderUid, readTopicToEnd, topicEndOffsets } from '../dlq.js';
import type { DlqEntry } from '../../emulators/esm/dlq-record.js';
import { describeAnswer, differences } from './answer.js';

export interface SmokeTarget {
  /** What is checked, for the summary: "npm start on 127.0.0.1:3000", "stack OrderPipeline-staging". */
  label: string;
  /** The API's base URL, without a trailing slash. */
  apiUrl: string;
  /** Gets whatever the requests need (a token, AWS credentials); throws what is missing. */
  prepare(): Promise<void>;
  /** Headers that authorize GET /orders/{order_uid}: a token with orders/read. */
  readHeaders(): Promise<Record<string, string>>;
  /** Headers that authorize this POST /orders: SigV4 (IAM) or a token with orders/write. */
  submitHeaders(url: URL, body: string, headers: Record<string, string>): Promise<Record<string, string>>;
  /** The DLQ topic and a client that can read it, or why it is not checked. */
  dlq: { topic: string; kafka: Kafka } | { skipped: string };
  /** Deployed only: the stack's alarms that are in ALARM. */
  alarmsInAlarm?: () => Promise<Array<{ name: string; reason: string }>>;
}

export interface SmokeOptions {
  /** How long the order may take to become readable. */
  timeoutMs: number;
  pollMs?: number;
}

export interface CheckOutcome {
  check: string;
  ok: boolean;
  /** Not run on purpose (not a failure): the detail says why. */
  skipped?: boolean;
  /** One line: what was seen (no personal data, no secrets). */
  detail: string;
}

/** A generated order (no real person) whose order_uid says where it came from. */
export function smokeOrder(): Order {
  const order = fakeOrder(createFaker(randomBytes(4).readUInt32BE()), { minItems: 1, maxItems: 3 });
  const orderUid = `smoke-${randomBytes(10).toString('hex')}`;
  return { ...order, order_uid: orderUid, payment: { ...order.payment, transaction: orderUid } };
}

const failure = (check: string, detail: string): CheckOutcome => ({ check, ok: false, detail });
const success = (check: string, detail: string): CheckOutcome => ({ check, ok: true, detail });
/** A check that cannot run because one it needs failed: not a failure of its own (that one has its line). */
const notRun = (check: string, because: string): CheckOutcome => ({ check, ok: true, skipped: true, detail: `not run: ${because}` });
/** An error as one line: fetch's bare "fetch failed" becomes its cause (ECONNREFUSED, a DNS error). */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message === 'fetch failed' ? causeOf(error) : error.message;
}

async function request(url: string, init: RequestInit): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

async function checkHealth(target: SmokeTarget): Promise<CheckOutcome> {
  const url = `${target.apiUrl}/health`;
  try {
    const answer = await request(url, {});
    const body = JSON.parse(answer.body || 'null') as { status?: unknown } | null;
    if (answer.status === 200 && body?.status === 'ok') return success('health', `GET /health answered 200 ${answer.body}`);
    return failure('health', `GET ${url} answered ${describeAnswer(answer.status, answer.headers, answer.body)}`);
  } catch (error) {
    return failure('health', `GET ${url} failed: ${reason(error)}`);
  }
}

async function checkSubmit(target: SmokeTarget, order: Order): Promise<CheckOutcome> {
  const url = new URL(`${target.apiUrl}/orders`);
  const body = JSON.stringify(order);
  try {
    const headers = { 'content-type': 'application/json' };
    const authorization = await target.submitHeaders(url, body, headers);
    const answer = await request(url.href, { method: 'POST', body, headers: { ...headers, ...authorization } });
    const accepted = JSON.parse(answer.body || 'null') as { order_uid?: unknown } | null;
    if (answer.status === 202 && accepted?.order_uid === order.order_uid) {
      return success('submit', `POST /orders accepted order_uid ${order.order_uid}`);
    }
    return failure('submit', `POST ${url.href} answered ${describeAnswer(answer.status, answer.headers, answer.body)}`);
  } catch (error) {
    return failure('submit', `POST ${url.href} failed: ${reason(error)}`);
  }
}

/** Polls GET /orders/{order_uid}: 404 (not stored yet), 429 and 5xx are waited out; anything else decides. */
async function checkReadBack(target: SmokeTarget, order: Order, { timeoutMs, pollMs = 500 }: SmokeOptions): Promise<CheckOutcome> {
  const url = `${target.apiUrl}/orders/${encodeURIComponent(order.order_uid)}`;
  const started = Date.now();
  let last = 'no answer';
  while (Date.now() - started < timeoutMs) {
    try {
      const answer = await request(url, { headers: await target.readHeaders() });
      if (answer.status === 200) {
        const stored = JSON.parse(answer.body) as unknown;
        if (isDeepStrictEqual(stored, order)) {
          return success('read-back', `GET /orders/${order.order_uid} returned the order as sent after ${Date.now() - started} ms`);
        }
        const where = differences(order, stored).join(', ');
        return failure('read-back', `GET ${url} returned an order that differs from the one sent at ${where}`);
      }
      last = describeAnswer(answer.status, answer.headers, answer.body);
      // 404: not stored yet; 429 (API Gateway's throttle) and 5xx: passing trouble, asked again.
      if (answer.status !== 404 && answer.status !== 429 && answer.status < 500) return failure('read-back', `GET ${url} answered ${last}`);
    } catch (error) {
      last = `failed: ${reason(error)}`;
    }
    await delay(pollMs);
  }
  return failure('read-back', `GET ${url} did not return the order within ${Math.round(timeoutMs / 1000)} s (last answer: ${last})`);
}

/** What the on-failure record says (AWS keeps no reason of the function's: the condition and the last invocation's error). */
function whyFailed(entry: DlqEntry): string {
  const attempts = entry.attempts === undefined ? '' : ` after ${entry.attempts} invocations`;
  return `${entry.condition ?? 'no condition'}${attempts}${entry.reason ? `, ${entry.reason}` : ''}`;
}

async function checkDlq(dlq: { topic: string; kafka: Kafka }, since: Map<number, number>, order: Order): Promise<CheckOutcome> {
  const read = await readTopicToEnd(dlq.kafka, dlq.topic, { from: since });
  try {
    const ours = read.entries.filter((entry) => readableOrderUid(entry) === order.order_uid);
    const gained = `${dlq.topic} gained`;
    if (ours.length === 0) return success('dlq', `${gained} ${read.entries.length} record(s), none of order_uid ${order.order_uid}`);
    return failure('dlq', `${gained} ${ours.length} record(s) of order_uid ${order.order_uid} (${whyFailed(ours[0]!)})`);
  } finally {
    await read.close();
  }
}

async function checkAlarms(alarmsInAlarm: NonNullable<SmokeTarget['alarmsInAlarm']>): Promise<CheckOutcome[]> {
  try {
    const alarms = await alarmsInAlarm();
    if (alarms.length === 0) return [success('alarms', 'no alarm of the stack is in ALARM')];
    return alarms.map((alarm) => failure('alarms', `${alarm.name} is in ALARM: ${alarm.reason.replace(/\s+/g, ' ')}`));
  } catch (error) {
    return [failure('alarms', `could not read the stack's alarms: ${reason(error)}`)];
  }
}

/** Runs every check once, in order, and hands each outcome to `report` as it is known. */
async function checkCredentials(target: SmokeTarget): Promise<CheckOutcome> {
  try {
    await target.prepare();
    return success('credentials', 'token and credentials ready');
  } catch (error) {
    return failure('credentials', reason(error));
  }
}

export async function runSmoke(
  target: SmokeTarget,
  options: SmokeOptions,
  report: (outcome: CheckOutcome) => void,
): Promise<CheckOutcome[]> {
  const outcomes: CheckOutcome[] = [];
  /** True when the check ran and passed: what a later check may build on. */
  const record = (outcome: CheckOutcome) => {
    outcomes.push(outcome);
    report(outcome);
    return outcome.ok && !outcome.skipped;
  };
  const order = smokeOrder();
  record(await checkHealth(target));
  const prepared = record(await checkCredentials(target));
  const dlq = 'topic' in target.dlq ? target.dlq : undefined;
  let since: Map<number, number> | undefined;
  if (dlq) {
    since = await topicEndOffsets(dlq.kafka, dlq.topic).catch((error: unknown) => {
      record(failure('dlq', `cannot read ${dlq.topic}: ${reason(error)}`));
      return undefined;
    });
  } else if ('skipped' in target.dlq) record({ check: 'dlq', ok: true, skipped: true, detail: `not checked: ${target.dlq.skipped}` });
  const submitted = prepared ? record(await checkSubmit(target, order)) : record(notRun('submit', 'no credentials'));
  record(submitted ? await checkReadBack(target, order, options) : notRun('read-back', 'nothing was submitted'));
  if (dlq && since) {
    record(
      submitted
        ? await checkDlq(dlq, since, order).catch((error: unknown) => failure('dlq', `cannot read ${dlq.topic}: ${reason(error)}`))
        : notRun('dlq', 'nothing was submitted'),
    );
  }
  if (target.alarmsInAlarm) for (const outcome of await checkAlarms(target.alarmsInAlarm)) record(outcome);
  return outcomes;
}
