/**
 * `npm run bench:api`: what one read costs.
 *   In process (the Lambda handler with its middlewares, no HTTP): GET /orders/{order_uid} as a
 *   cache hit and as a miss (one database query), median and p99 per request; next to it the
 *   JSON.stringify of an order, which a hit never does (the cache keeps the text).
 *   Over HTTP: requests per second of hits through the local gateway (autocannon), against the
 *   ceiling of a bare node:http server answering the same bytes on the same machine. The gateway
 *   runs its JWT authorizer against the local OpenID Connect issuer, and every request carries a
 *   token with orders/read (verified once, then remembered, as a repeated token costs a lookup).
 *   And a check: a miss is exactly one database round trip (ReadyForQuery messages counted on
 *   the pool's connections).
 * Writes the table into docs/benchmarks.md (section "Read API"); BENCH_NO_WRITE=1 only prints it.
 */
import http from 'node:http';
import { cpus } from 'node:os';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import type pg from 'pg';
import { fakeOrders } from '../local/tools/fake-orders.js';
import { apiGatewayEvent } from '../test/support/api-events.js';
import { lambdaContext } from '../test/support/lambda.js';
import { benchDatabase, markdownTable, median, percentile, SMOKE, writeBenchmarkSection } from './support.js';

process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

// A smoke run (BENCH_SMOKE=1): every step with the least work.
const ORDERS = SMOKE ? 200 : 2_000;
const HIT_SAMPLES = Number(process.env.BENCH_HIT_SAMPLES ?? (SMOKE ? 1_000 : 50_000));
const DURATION_SECONDS = Number(process.env.BENCH_DURATION ?? (SMOKE ? 1 : 8));
const CONNECTIONS = 10;
/** Discarded calls before timing: the hits' and the stringify's (JIT). */
const WARM_UP = SMOKE ? { hits: 1_000, stringifies: 1_000 } : { hits: 10_000, stringifies: 20_000 };

const database = await benchDatabase('orders_bench_api');
process.env.DATABASE_URL = database.url;
const { apiDependencies, createApiHandler } = await import('../functions/api/api-handler.js');
const { readApiConfig } = await import('../functions/api/config.js');
const dependencies = apiDependencies();
// A new instance has an empty cache; instances built on the same dependencies share the warm pool.
let handler = createApiHandler(readApiConfig(), dependencies);
const { storeOrders } = await import('../shared/db/orders.js');
const { closePool } = await import('../shared/db/pool.js');
const { startGateway } = await import('../local/emulators/gateway.js');
const { startLocalIssuer } = await import('../local/emulators/oidc-issuer.js');
// The read handler reads the context for log fields only: one for the whole run.
const context = lambdaContext({ functionName: 'bench-api' });

// Round trips: each ReadyForQuery message from the server closes one (a query with Parse/Bind/Execute/Sync is one).
let roundTrips = 0;
const pool = await dependencies.database.pool();
const counted = new WeakSet<object>();
pool.on('connect', (client) => {
  const connection = (client as pg.Client).connection;
  if (counted.has(connection)) return;
  counted.add(connection);
  connection.on('readyForQuery', () => (roundTrips += 1));
});

const orders = fakeOrders(ORDERS, 77, { minItems: 1, maxItems: 5 });
for (let i = 0; i < orders.length; i += 500) await storeOrders(orders.slice(i, i + 500));
const uids = orders.map((order) => order.order_uid);

const events = uids.map((uid) => apiGatewayEvent({ path: `/orders/${uid}`, headers: { accept: 'application/json' } }));

/** Microseconds per call, one sample per request. */
async function timeEach(
  count: number,
  call: (i: number) => Promise<{ statusCode: number; headers: Record<string, string> }>,
  expectCache: string,
) {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    const response = await call(i);
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
    if (response.statusCode !== 200 || response.headers['x-cache'] !== expectCache) {
      throw new Error(`expected a 200 ${expectCache}, got ${response.statusCode} ${response.headers['x-cache']}`);
    }
  }
  return samples;
}

// ---- misses: each order read for the first time after a cache reset ------------------------
for (const e of events.slice(0, 300)) await handler(e, context); // warm: connections open, statement prepared
handler = createApiHandler(readApiConfig(), dependencies);
const tripsBefore = roundTrips;
const missSamples = await timeEach(events.length, (i) => handler(events[i]!, context), 'miss');
const tripsPerMiss = (roundTrips - tripsBefore) / events.length;

// ---- hits: all orders are cached now; cycle over them ---------------------------------------
await timeEach(WARM_UP.hits, (i) => handler(events[i % events.length]!, context), 'hit'); // warm-up (JIT)
const hitSamples = await timeEach(HIT_SAMPLES, (i) => handler(events[i % events.length]!, context), 'hit');
const tripsDuringHits = roundTrips - tripsBefore - events.length * tripsPerMiss;

// ---- what a hit avoids: serializing the order per request --------------------------------------
const stringifySamples: number[] = [];
for (let i = 0; i < WARM_UP.stringifies + HIT_SAMPLES; i++) {
  const order = orders[i % orders.length]!;
  const start = process.hrtime.bigint();
  JSON.stringify(order);
  if (i >= WARM_UP.stringifies) stringifySamples.push(Number(process.hrtime.bigint() - start) / 1000);
}

// ---- over HTTP: hits through the local gateway vs a bare node:http server ---------------------
async function load(url: string | string[], headers: Record<string, string> = {}): Promise<number> {
  const urls = Array.isArray(url) ? url : [url];
  const result = await autocannon({
    url: urls[0]!,
    headers,
    connections: CONNECTIONS,
    duration: DURATION_SECONDS,
    // The load generator in its own thread, so that it does not share the servers' event loop.
    workers: 1,
    requests: urls.map((u) => ({ path: new URL(u).pathname })),
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`load run had ${result.non2xx} non-2xx and ${result.errors} errors`);
  return result.requests.average;
}

const issuer = await startLocalIssuer({ redirectUris: ['http://127.0.0.1/'] });
const gateway = await startGateway({ port: 0, auth: issuer.authorizer });
const signedIn = { authorization: `Bearer ${(await issuer.signIn()).accessToken}` };
const hotUids = uids.slice(0, 100);
const gatewayUrls = hotUids.map((uid) => `${gateway.url}/orders/${uid}`);
for (const url of gatewayUrls) await fetch(url, { headers: signedIn }).then((r) => r.arrayBuffer()); // cached already; warm sockets
const sample = await handler(events[0]!, context);
const bare = http.createServer((_request, response) => response.writeHead(200, sample.headers).end(sample.body));
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/orders/${uids[0]}`;

await load(bareUrl); // warm-up runs, discarded
await load(gatewayUrls, signedIn);
const bareRps = await load(bareUrl);
const gatewayRps = await load(gatewayUrls, signedIn);

await gateway.close();
await issuer.close();
await new Promise<void>((resolve) => bare.close(() => resolve()));
await closePool();
await dependencies.database.close();
await database.close();

// ---- report -----------------------------------------------------------------------------------
const us = (value: number) => value.toFixed(1);
const hitMedian = median(hitSamples);
const missMedian = median(missSamples);
const rows = [
  [
    'handler, cache hit (in process)',
    us(hitMedian),
    us(percentile(hitSamples, 99)),
    `${HIT_SAMPLES} requests over ${ORDERS} cached orders`,
  ],
  [
    'handler, cache miss (in process)',
    us(missMedian),
    us(percentile(missSamples, 99)),
    `${ORDERS} first reads; miss / hit = ${(missMedian / hitMedian).toFixed(0)}×`,
  ],
  [
    'JSON.stringify of an order (what a hit skips)',
    us(median(stringifySamples)),
    us(percentile(stringifySamples, 99)),
    'the cache keeps the JSON text',
  ],
];
const httpRows = [
  [
    'hits through the local gateway (JWT authorizer)',
    Math.round(gatewayRps),
    `${((gatewayRps / bareRps) * 100).toFixed(0)}% of the ceiling`,
  ],
  ['ceiling: bare node:http, same bytes', Math.round(bareRps), '100%'],
];
const table = [
  markdownTable(['in process', 'median µs', 'p99 µs', 'notes'], rows),
  '',
  markdownTable([`over HTTP (autocannon, ${CONNECTIONS} connections, ${DURATION_SECONDS} s)`, 'requests/s', 'vs ceiling'], httpRows),
  '',
  `Database round trips per miss: **${tripsPerMiss.toFixed(2)}** (ReadyForQuery messages counted on the pool's connections; ${tripsDuringHits} during ${HIT_SAMPLES} hits).`,
  `Target: hit ≤ 20 µs median in process — ${hitMedian <= 20 ? 'met' : 'NOT met'} (${us(hitMedian)} µs). Measured with Powertools logging at ERROR and metrics disabled; the gateway and autocannon share one machine (${cpus().length} cores).`,
  `Latest run: ${new Date().toISOString().slice(0, 10)}. Run: \`npm run bench:api\` (bench/api.bench.ts).`,
].join('\n');

console.log(table);
if (tripsPerMiss !== 1) {
  console.error(`a miss should be exactly one database round trip, measured ${tripsPerMiss}`);
  process.exitCode = 1;
}
if (!process.env.BENCH_NO_WRITE) await writeBenchmarkSection('## Read API', table);
