/**
 * The order page in real Chromium (Debian's chromium-headless-shell) against the local gateway
 * with the JWT authorizer, the real local OpenID Connect issuer, the real API handler and a real
 * PostgreSQL. The page signs in with the authorization code flow and PKCE through the issuer's
 * login form. Orders are stored through the ingest handler; Kafka is not needed here.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as ingestHandler } from '../../functions/ingest/handler.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { startGateway, type Gateway } from '../../local/emulators/gateway.js';
import { type LocalIssuer, startLocalIssuer } from '../../local/emulators/oidc-issuer.js';
import { freePort } from '../../local/services/postgres.js';
import { closePool } from '../../shared/db/pool.js';
import type { Order } from '../../shared/order/schema.js';
import { createTestDatabase } from '../support/database.js';
import { readFixture } from '../support/fixtures.js';
import { ordersEvent } from '../support/kafka-events.js';
import { lambdaContext, startLocalFunctions } from '../support/lambda.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium-headless-shell';
const SCREENSHOT = join(import.meta.dirname, '..', '..', 'docs', 'web-page.png');

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let issuer: LocalIssuer;
let gateway: Gateway;
let functions: Awaited<ReturnType<typeof startLocalFunctions>>;
let browser: Browser;
let page: Page;
const seed = readFixture<Order>('orders/seed-wildberries-b563feb7b2b84b6test.json');
const others = fakeOrders(12, 51, { minItems: 2, maxItems: 4 });
const problems: string[] = [];
const tokenRequests: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the browser test needs Chromium at ${CHROMIUM}: apt-get install -y chromium-headless-shell (or set CHROMIUM_PATH)`);
  }
  database = await createTestDatabase();
  vi.stubEnv('DATABASE_URL', database.url);
  const orders = [...others, seed];
  const response = await ingestHandler(ordersEvent(orders), lambdaContext());
  expect(response.batchItemFailures).toEqual([]);
  const port = await freePort();
  issuer = await startLocalIssuer({ redirectUris: [`http://127.0.0.1:${port}/`] });
  // The read function runs as its bundle in an execution environment, with the issuer's AUTH_* as its environment.
  // The page never submits: the submit function's broker address is a closed port.
  functions = await startLocalFunctions(database.url, '127.0.0.1:9', { names: ['api', 'submit'], auth: issuer.env });
  const invoke = (name: 'api' | 'submit') => functions.service.handler<APIGatewayProxyResultV2>(name);
  gateway = await startGateway({ port, auth: issuer.authorizer, functions: { api: invoke('api'), submit: invoke('submit') } });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
  // A CSP violation or a script error would show up here; the 401, 404 and 400 answers the
  // tests ask for are logged by Chromium as failed loads and are expected.
  page.on('console', (message) => {
    if (message.type() === 'error' && !/^Failed to load resource: .* status of 40[014]/.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url() === `${issuer.issuer}/token`) tokenRequests.push(request.url());
  });
});

afterAll(async () => {
  vi.useRealTimers();
  await browser?.close();
  await gateway?.close();
  await issuer?.close();
  await functions?.service.close();
  await closePool();
  await database?.drop();
  vi.unstubAllEnvs();
});

describe('order lookup page', () => {
  it('asks to sign in, signs in through the issuer with PKCE, shows who is signed in and lists recent orders newest first', async () => {
    await page.goto(`${gateway.url}/`);
    await expect.poll(() => page.locator('#sign-in').isVisible()).toBe(true);
    expect(await page.locator('#placeholder').textContent()).toBe('Sign in to look up orders.');

    await page.locator('#sign-in').click();
    await page.waitForURL(`${issuer.issuer}/interaction/**`);
    expect(new URL(page.url()).origin).toBe(issuer.issuer);
    await page.locator('#password').fill(issuer.user.password);
    await page.locator('button[type=submit]').click();
    await page.waitForURL(`${gateway.url}/`);

    await expect.poll(() => page.locator('#account-name').textContent()).toBe('Signed in as Development User');
    expect(await page.locator('#sign-out').isVisible()).toBe(true);
    expect(tokenRequests).toHaveLength(1);
    await expect.poll(() => page.locator('#recent-list li').count()).toBe(10);
    expect(await page.locator('#recent-more').isVisible()).toBe(true);
    // Tokens stay in memory: nothing in web storage but the (spent) sign-in state.
    const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));
    expect(stored).not.toMatch(/eyJ/);
  });

  it('looks up a stored order with the keyboard and shows its facts, payment and items', async () => {
    await page.locator('#search-input').focus();
    await page.keyboard.type(seed.order_uid);
    await page.keyboard.press('Enter');

    await expect.poll(() => page.locator('#order').isVisible()).toBe(true);
    expect(await page.locator('#order-uid').textContent()).toBe(seed.order_uid);
    expect(await page.locator('#cache-badge').textContent()).toBe('cache miss (database)');
    const payment = await page.locator('#payment').textContent();
    expect(payment).toContain('$18.17'); // amount 1817 minor units of USD
    expect(payment).toContain('$15.00');
    const rows = page.locator('#items tbody tr');
    expect(await rows.count()).toBe(seed.items.length);
    const firstRow = await rows.first().locator('td').allTextContents();
    expect(firstRow).toEqual([
      '1',
      seed.items[0]!.name,
      seed.items[0]!.brand,
      seed.items[0]!.size,
      '$4.53',
      '30%',
      '$3.17',
      '202',
      String(seed.items[0]!.nm_id),
    ]);
    expect(await page.locator('#delivery').textContent()).toContain(seed.delivery.city);
  });

  it('shows the raw JSON on demand and says when the answer came from the cache', async () => {
    await page.locator('#search-form button[type=submit]').click();
    await expect.poll(() => page.locator('#cache-badge').textContent()).toBe('cache hit');

    await mkdir(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true, animations: 'disabled' });

    await page.locator('#raw-toggle').click();
    expect(await page.locator('#raw-toggle').getAttribute('aria-expanded')).toBe('true');
    expect(JSON.parse((await page.locator('#raw-json').textContent())!)).toEqual(seed);
    await page.locator('#raw-toggle').click();
    expect(await page.locator('#raw-json').isVisible()).toBe(false);
  });

  it('says so when an order is unknown, and when an id is invalid', async () => {
    await page.locator('#search-input').fill('doesnotexist123');
    await page.locator('#search-input').press('Enter');
    await expect.poll(() => page.locator('#message').textContent()).toContain('Order not found');
    expect(await page.locator('#order').isVisible()).toBe(false);

    await page.locator('#search-input').fill('not valid!');
    await page.locator('#search-input').press('Enter');
    await expect.poll(() => page.locator('#message').textContent()).toContain('Invalid order UID');
  });

  it('opens an order from the recent list', async () => {
    const newest = [...others, seed].sort((a, b) => Date.parse(b.date_created) - Date.parse(a.date_created))[0]!;
    const first = page.locator('#recent-list button').first();
    expect(await first.getAttribute('data-order-uid')).toBe(newest.order_uid);

    await first.focus();
    await page.keyboard.press('Enter');

    await expect.poll(() => page.locator('#order-uid').textContent()).toBe(newest.order_uid);
    expect(await page.locator('#items tbody tr').count()).toBe(newest.items.length);
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('order-heading');
  });

  it('asks again with If-None-Match for an order it has shown, and shows its kept copy on a 304', async () => {
    const other = others[5]!;
    const asked: Array<string | null> = [];
    const sent: string[] = [];
    const statuses: number[] = [];
    // The server's own answers pass through: this route only records what the page asked and got.
    await page.route(`${gateway.url}/orders/${other.order_uid}`, async (route) => {
      asked.push(route.request().headers()['if-none-match'] ?? null);
      const response = await route.fetch();
      statuses.push(response.status());
      if (response.headers().etag) sent.push(response.headers().etag!);
      return route.fulfill({ response });
    });
    for (const _ of [1, 2]) {
      await page.locator('#search-input').fill(other.order_uid);
      await page.locator('#search-input').press('Enter');
      await expect.poll(() => page.locator('#order-uid').textContent()).toBe(other.order_uid);
    }
    await expect.poll(() => page.locator('#not-modified').isVisible()).toBe(true);
    // A strong ETag (the stored fingerprint), sent again on the 304.
    expect(sent[0]).toMatch(/^"[^"]+"$/);
    expect(asked).toEqual([null, sent[0]]);
    expect(statuses).toEqual([200, 304]);
    expect(await page.locator('#items tbody tr').count()).toBe(other.items.length);
    expect(JSON.parse((await page.locator('#raw-json').textContent())!)).toEqual(other);
    await page.unroute(`${gateway.url}/orders/${other.order_uid}`);

    // The first answer for an order this page has not shown is a 200: the note goes away.
    const newest = [...others, seed].sort((a, b) => Date.parse(b.date_created) - Date.parse(a.date_created))[0];
    const unseen = others.slice(6).find((order) => order !== newest)!;
    await page.locator('#search-input').fill(unseen.order_uid);
    await page.locator('#search-input').press('Enter');
    await expect.poll(() => page.locator('#order-uid').textContent()).toBe(unseen.order_uid);
    expect(await page.locator('#not-modified').isVisible()).toBe(false);
  });

  it('signs in again when the token has expired (401) and comes back to the order it was asked for', async () => {
    // Two hours later for the gateway and the issuer (this process): the one-hour token has expired.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 2 * 3600_000);
    const other = others[3]!;
    await page.locator('#search-input').fill(other.order_uid);
    await page.locator('#search-input').press('Enter');

    // The issuer still has the session: back without a login form, a second token, then the order.
    await expect.poll(() => page.locator('#order-uid').textContent(), { timeout: 20_000 }).toBe(other.order_uid);
    expect(tokenRequests).toHaveLength(2);
    expect(page.url()).toBe(`${gateway.url}/#/orders/${other.order_uid}`);
    expect(await page.locator('#account-name').textContent()).toBe('Signed in as Development User');
    vi.useRealTimers();
  });

  it('signs out at the issuer and forgets the token', async () => {
    await page.locator('#sign-out').click();
    await page.waitForURL(`${issuer.issuer}/session/end**`);
    await page.locator('button[name=logout]').click();
    await page.waitForURL(`${gateway.url}/**`);
    await expect.poll(() => page.locator('#sign-in').isVisible()).toBe(true);
    expect(await page.locator('#account-name').isVisible()).toBe(false);
    expect(problems).toEqual([]);
  });
});
