/**
 * The personal-data property, for test/integration/ingest-handler-personal-data.test.ts and
 * `npm run fuzz`: records carrying names, phones, e-mail addresses and street addresses, valid or
 * broken in any way (truncated JSON, an unquoted phone, the values as bare text, as unknown field
 * names, in fields of the wrong type, as money amounts, not UTF-8, not base64, conflicting
 * re-sends), go through the ingest handler with its logger at DEBUG; then no line it wrote (at
 * any level), no batch response and no rejection text (what the DLQ tooling shows,
 * describeRejection) holds any fragment of them: any 4 characters of a value, or 6 digits in a
 * row, that ordinary text (a run over the same shapes with neutral values) does not hold.
 *
 * Not checked: order_uid and the record key, which are identifiers and logged by design when
 * well-formed (docs/ingest.md); the generated ones hold no personal data.
 */
import fc from 'fast-check';
import type { Context } from 'aws-lambda';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import type { KafkaBatchResponse } from '../../shared/kafka/batch-response.js';
import { type KafkaEvent, type KafkaEventRecord, partitionName } from '../../shared/kafka/event.js';
import { classifyBytes, describeRejection, JSON_ERROR_WORDING, JSON_SYNTAX_KINDS } from '../../shared/order/classify.js';
import { buildKafkaEvent } from '../support/kafka-events.js';
import { PropertyViolation } from './ingest-check.js';

export interface Person {
  name: string;
  phone: string;
  email: string;
  address: string;
}

const capitalized = fc.stringMatching(/^[A-Z][a-z]{3,8}$/);
const lower = fc.stringMatching(/^[a-z]{3,8}$/);
export const person: fc.Arbitrary<Person> = fc.record({
  name: fc.tuple(capitalized, capitalized).map(([first, last]) => `${first} ${last}`),
  phone: fc.stringMatching(/^\+[1-9][0-9]{8,12}$/),
  email: fc
    .tuple(lower, lower, fc.integer({ min: 10, max: 999 }), lower)
    .map(([first, last, n, host]) => `${first}.${last}${n}@${host}.com`),
  address: fc
    .tuple(fc.integer({ min: 1, max: 999 }), capitalized, fc.constantFrom('Street', 'Avenue', 'Lane', 'Road'))
    .map(([n, word, kind]) => `${n} ${word} ${kind}`),
});

/**
 * Values made of characters no generated person has, short and long (so that the control run
 * meets the length rules too): the control run's "ordinary text".
 */
const NEUTRAL: Person[] = [
  { name: 'Xx Xx', phone: '+1000000', email: 'xx@xx.xx', address: 'x' },
  { name: 'Xxxxxxxxxx Xxxxxxxxxx', phone: '+100000000000', email: 'xxxxxx.xxxxxx000@xxxxxx.xxx', address: '000 Xxxxxxxxx Xxxxxx' },
];

const BASE = fakeOrders(8, 4242);
type Json = Record<string, unknown>;
const base64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

const FORMS = [
  'valid',
  'invalid-elsewhere',
  'truncated',
  'unquoted-phone',
  'bare-text',
  'unknown-key',
  'wrong-type',
  'phone-as-money',
  'swapped-fields',
  'overlong-name',
  'not-utf8',
  'not-base64',
  'json-string',
  'conflict',
] as const;
export type PersonalForm = (typeof FORMS)[number];

export interface PersonalRecord {
  form: PersonalForm;
  person: Person;
  /** Which base order, and where to cut (truncated). */
  base: number;
  cut: number;
}

export const personalRecord: fc.Arbitrary<PersonalRecord> = fc.record({
  form: fc.constantFrom(...FORMS),
  person,
  base: fc.integer({ min: 0, max: BASE.length - 1 }),
  cut: fc.double({ min: 0.05, max: 0.98, noNaN: true }),
});

export const personalBatch = fc.array(personalRecord, { minLength: 5, maxLength: 40, size: 'max' });

function orderWith(record: PersonalRecord, uid: string): Json {
  const order = structuredClone(BASE[record.base]!) as unknown as Json;
  const { name, phone, email, address } = record.person;
  order.order_uid = uid;
  order.delivery = { ...(order.delivery as Json), name, phone, email, address };
  return order;
}

/** The value (base64 text, or something else) of one record in its broken form. */
function brokenValue(record: PersonalRecord, uid: string): unknown {
  const order = orderWith(record, uid);
  const { name, phone, email, address } = record.person;
  const delivery = order.delivery as Json;
  const payment = order.payment as Json;
  const text = () => JSON.stringify(order);
  switch (record.form) {
    case 'valid':
    case 'conflict':
      return base64(text());
    case 'invalid-elsewhere':
      payment.amount = Number(payment.amount) + 1;
      return base64(text());
    case 'truncated':
      return base64(text().slice(0, Math.max(1, Math.floor(text().length * record.cut))));
    case 'unquoted-phone':
      return base64(text().replace(JSON.stringify(phone), phone));
    case 'bare-text':
      return base64(`${name}, ${phone}, ${email}, ${address}`);
    case 'unknown-key':
      delivery[name] = address;
      order[email] = phone;
      return base64(text());
    case 'wrong-type':
      order.sm_id = name;
      payment.amount = email;
      (order.items as Json[])[0]!.price = address;
      return base64(text());
    case 'phone-as-money':
      payment.goods_total = Number(phone.slice(1));
      payment.amount = Number(phone.slice(1));
      return base64(text());
    case 'swapped-fields':
      Object.assign(delivery, { email: name, phone: email, name: phone, zip: address.repeat(40) });
      return base64(text());
    case 'overlong-name':
      delivery.name = `${name} `.repeat(30);
      return base64(text());
    case 'not-utf8':
      return base64(Buffer.concat([Buffer.from(text().slice(0, 40)), Buffer.from([0xff, 0xfe]), Buffer.from(text().slice(40))]));
    case 'not-base64':
      return text();
    case 'json-string':
      return base64(JSON.stringify([name, phone, { [email]: address }]));
  }
}

/** n-grams of `text` that count as a fragment: 4 characters with a non-digit, or 6 digits. */
function fragments(text: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + 4 <= text.length; i += 1) {
    const gram = text.slice(i, i + 4);
    if (/\D/.test(gram)) found.push(gram);
  }
  for (let i = 0; i + 6 <= text.length; i += 1) {
    const gram = text.slice(i, i + 6);
    if (/^\d+$/.test(gram)) found.push(gram);
  }
  return found;
}

const grams = (text: string, n: number) => Array.from({ length: Math.max(0, text.length - n + 1) }, (_, i) => text.slice(i, i + n));
const ngrams = (text: string) => new Set([...grams(text, 4), ...grams(text, 6)]);

function jsonPaths(value: unknown, path: string): string[] {
  if (Array.isArray(value)) return [path, ...value.flatMap((item, index) => jsonPaths(item, `${path}[${index}]`))];
  if (value === null || typeof value !== 'object') return [path];
  return [path, ...Object.entries(value).flatMap(([key, field]) => jsonPaths(field, `${path}.${key}`))];
}

/** Fields of a log line that vary from run to run (time, ids) and never hold a record's content. */
const VARYING = /"(timestamp|xray_trace_id|function_request_id|cold_start)":("[^"]*"|\w+)/g;

/** Everything written to stdout, stderr and the console while `work` runs. */
export async function captureOutput(work: () => Promise<unknown>): Promise<string> {
  const chunks: string[] = [];
  const { stdout, stderr } = process;
  const writes = [stdout.write, stderr.write] as const;
  const keep = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  stdout.write = keep as typeof stdout.write;
  stderr.write = keep as typeof stderr.write;
  const levels = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
  const originals = levels.map((level) => console[level]);
  const text = (arg: unknown) => (typeof arg === 'string' ? arg : JSON.stringify(arg));
  for (const level of levels) console[level] = (...args: unknown[]) => void chunks.push(args.map(text).join(' '));
  try {
    await work();
  } finally {
    [stdout.write, stderr.write] = writes;
    for (const [index, level] of levels.entries()) console[level] = originals[index]!;
  }
  return chunks.join('\n').replace(VARYING, '');
}

type IngestHandler = (event: KafkaEvent, context: Context) => Promise<KafkaBatchResponse>;

export class PersonalDataChecker {
  #allowed = new Set<string>();
  #next = 0;
  records = 0;
  /** Lines the handler wrote (a capture that saw nothing would prove nothing). */
  lines = 0;

  constructor(
    private readonly ingest: IngestHandler,
    private readonly context: () => Context,
    private readonly topic: string,
  ) {}

  #event(batch: readonly PersonalRecord[]) {
    // The envelope of the emulator's events; the records are written here, raw: some values are not base64.
    const event: KafkaEvent = buildKafkaEvent([]);
    const raws: unknown[] = [];
    for (const record of batch) {
      const offset = this.#next++;
      // A conflict re-sends the previous record's order_uid with different content.
      const uid = `PD_${(record.form === 'conflict' && offset > 0 ? offset - 1 : offset).toString(36).toUpperCase()}Q`;
      const raw = brokenValue(record, uid);
      raws.push(raw);
      const kafkaRecord = { topic: this.topic, partition: offset % 3, offset, timestamp: Date.now(), timestampType: 'CREATE_TIME' };
      Object.assign(kafkaRecord, { value: raw });
      (event.records[partitionName(kafkaRecord)] ??= []).push(kafkaRecord as KafkaEventRecord);
    }
    return { event, raws };
  }

  /** What the handler and the rejection texts say about `batch`, as one text. */
  async #run(batch: readonly PersonalRecord[]): Promise<string> {
    const { event, raws } = this.#event(batch);
    let response: KafkaBatchResponse | undefined;
    const output = await captureOutput(async () => {
      response = await this.ingest(event, this.context());
    });
    const explanations = raws.map((raw) => {
      const classified = classifyBytes(typeof raw === 'string' ? Buffer.from(raw, 'base64') : undefined);
      return classified.ok ? '' : describeRejection(classified);
    });
    return [output, JSON.stringify(response), ...explanations].join('\n');
  }

  /**
   * The ordinary text: the same shapes of record with neutral values, every JSONPath of the
   * contract's fields and the parser's fixed wording (a control run meets only some of it).
   */
  async learnOrdinaryText(): Promise<void> {
    // Each form after a valid record of the other neutral person, so that a conflict conflicts
    // (in the batch); a second batch opens with a conflict against the first one's last order (stored).
    const record = (form: PersonalForm, person: Person, base: number): PersonalRecord => ({ form, person, base, cut: 0.5 });
    const [short, long] = NEUTRAL as [Person, Person];
    const pairs = [short, long].flatMap((person) =>
      FORMS.flatMap((form) => BASE.map((_, base) => [record('valid', person === short ? long : short, base), record(form, person, base)])),
    );
    const first = await this.#run([...pairs.flat(), record('valid', long, 0)]);
    const second = await this.#run([record('conflict', short, 0)]);
    const wording = [
      ...[...JSON_SYNTAX_KINDS].map((kind) => kind.charAt(0).toLowerCase() + kind.slice(1)),
      ...Object.values(JSON_ERROR_WORDING),
      'at position',
    ];
    this.#allowed = ngrams([first, second, ...jsonPaths(BASE[0], '$'), ...wording].join('\n'));
  }

  /** Throws PropertyViolation naming each leaked fragment and where it was written. */
  async check(batch: readonly PersonalRecord[]): Promise<void> {
    const written = await this.#run(batch);
    this.records += batch.length;
    this.lines += written.split('\n').filter((line) => line.includes('"level"')).length;
    for (const { person: someone, form } of batch) {
      for (const value of Object.values(someone)) {
        const leaked = fragments(value).filter((fragment) => !this.#allowed.has(fragment) && written.includes(fragment));
        if (leaked.length === 0) continue;
        const line = written.split('\n').find((candidate) => candidate.includes(leaked[0]!));
        const where = line?.slice(0, 600);
        throw new PropertyViolation(`a ${form} record's "${value}" leaked ${JSON.stringify(leaked.slice(0, 3))} into:\n${where}`);
      }
    }
  }
}
