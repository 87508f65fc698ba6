/**
 * The page's script, served at /app.js (a same-origin script, as the CSP requires), built by ../build.ts.
 * Sign-in (sign-in.ts): tokens live in this script's memory only; sessionStorage holds the pending sign-in (the
 * PKCE verifier, the state and the page's place) across the redirect. A 401 (the token expired) signs in again and
 * comes back to the same order. Orders are read with conditional GET (order-reader.ts); errors as problem details
 * or the older error body (problem.ts).
 */
import { PipelineError } from '../../../../shared/errors.js';
import { ORDER_UID_PATTERN } from '../../../../shared/order/order-uid.js';
import type { Order } from '../../../../shared/order/schema.js';
import { displayName } from './claims.js';
import { createOrderReader } from './order-reader.js';
import { problemText, readProblem } from './problem.js';
import { byId, el, type OrderSummary, recentItem, renderOrder, showMessage } from './render.js';
import { sampleOrder } from './sample-order.js';
import {
  beginSignIn,
  completeSignIn,
  type PendingSignIn,
  type SignInConfig,
  signInFailure,
  signOutParameters,
  type Tokens,
} from './sign-in.js';

const PAGE_SIZE = 10;
const SIGN_IN_KEY = 'order-page.sign-in';
const INVALID_UID = 'Invalid order UID: use 1–64 letters, digits, “-” or “_”.';

/** No token, or one the API refused: the page signs in again. */
class SignInNeeded extends PipelineError {
  override readonly name = 'SignInNeeded';
  constructor() {
    super('credentials', 'sign-in needed');
  }
}

/** config: GET /auth/config (undefined: sign-in not configured). fresh: a token the API has not accepted yet. */
const auth: { config?: SignInConfig; tokens?: Tokens; redirecting: boolean; fresh: boolean } = { redirecting: false, fresh: false };
const recent: { cursor: string | null } = { cursor: null };

const redirectUri = () => `${location.origin}/`;
const message = (kind: string, text: string) => showMessage(byId('message'), kind, text);

/** A GET form to the identity provider: the CSP's form-action names exactly its origin. */
function navigate(url: string, params: Record<string, string>): void {
  const form = el('form');
  form.method = 'get';
  form.action = url;
  form.hidden = true;
  for (const [name, value] of Object.entries(params)) {
    const input = el('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}

async function signIn(): Promise<void> {
  if (auth.redirecting || !auth.config) return;
  auth.redirecting = true;
  const { pending, parameters } = await beginSignIn(auth.config, redirectUri(), location.hash);
  sessionStorage.setItem(SIGN_IN_KEY, JSON.stringify(pending));
  navigate(auth.config.authorize_url, parameters);
}

function signOut(): void {
  const idToken = auth.tokens?.idToken;
  auth.tokens = undefined;
  showAccount();
  if (auth.config?.logout_url) navigate(auth.config.logout_url, signOutParameters(auth.config, redirectUri(), idToken));
}

/** Back from the authorize endpoint: the code for tokens, with the verifier only this tab has. */
async function finishSignIn(config: SignInConfig): Promise<void> {
  const callback = new URL(location.href);
  const pending = JSON.parse(sessionStorage.getItem(SIGN_IN_KEY) ?? 'null') as PendingSignIn | null;
  sessionStorage.removeItem(SIGN_IN_KEY);
  history.replaceState(null, '', `/${pending?.hash ?? ''}`);
  try {
    if (!pending) throw new Error('no sign-in was started in this tab');
    auth.tokens = await completeSignIn(config, redirectUri(), pending, callback);
    auth.fresh = true;
  } catch (error) {
    message('error', `Sign-in failed: ${signInFailure(error)}.`);
  }
}

function showAccount(): void {
  const signedIn = auth.tokens !== undefined;
  byId('account-name').textContent = signedIn ? `Signed in as ${displayName(auth.tokens?.claims)}` : '';
  byId('account-name').hidden = !signedIn;
  byId('sign-in').hidden = signedIn || !auth.config;
  byId('sign-out').hidden = !signedIn;
}

/** The API with the token; without one (or with an expired one: 401) the page signs in. */
async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (auth.config) {
    if (!auth.tokens) {
      void signIn();
      throw new SignInNeeded();
    }
    headers.set('authorization', `Bearer ${auth.tokens.accessToken}`);
  }
  const response = await fetch(path, { ...init, headers });
  if (response.status === 401 && auth.config) {
    if (auth.fresh) throw new Error('the API refused a token just issued (HTTP 401)');
    auth.tokens = undefined;
    void signIn();
    throw new SignInNeeded();
  }
  auth.fresh = false;
  return response;
}

const readOrder = createOrderReader(api);

const LOOKUP_FAILURES: Record<number, string> = {
  400: INVALID_UID,
  403: 'Your account may not read orders (HTTP 403).',
  503: 'Server error: the database is unavailable right now (orders already cached still load). Try again shortly.',
};

async function lookup(input: string, focus = false): Promise<void> {
  const uid = input.trim();
  byId<HTMLInputElement>('search-input').value = uid;
  if (!ORDER_UID_PATTERN.test(uid)) {
    byId('order').hidden = true;
    message('error', INVALID_UID);
    return;
  }
  message('info', `Looking up ${uid}…`);
  if (location.hash !== `#/orders/${uid}`) history.replaceState(null, '', `#/orders/${uid}`);
  try {
    const answer = await readOrder(uid);
    if (answer.ok) {
      byId('message').hidden = true;
      renderOrder(JSON.parse(answer.body) as Order, answer);
      if (focus) byId('order-heading').focus();
      return;
    }
    byId('order').hidden = true;
    const { status } = answer.problem;
    if (status === 404) message('warn', `Order not found: there is no order with UID “${uid}”.`);
    else message('error', LOOKUP_FAILURES[status] ?? `Server error (HTTP ${status})${detailOf(problemText(answer.problem))} Try again.`);
  } catch (error) {
    if (error instanceof SignInNeeded) return message('info', 'Signing in…');
    byId('order').hidden = true;
    message('error', 'Server error: the API could not be reached.');
  }
}

const detailOf = (text: string | undefined) => (text ? `: ${text}.` : '.');

async function loadRecent(reset: boolean): Promise<void> {
  if (reset) recent.cursor = null;
  const status = byId('recent-message');
  status.textContent = 'Loading…';
  try {
    const query = `limit=${PAGE_SIZE}${recent.cursor ? `&cursor=${encodeURIComponent(recent.cursor)}` : ''}`;
    const response = await api(`/orders?${query}`, { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const page = (await response.json()) as { orders: OrderSummary[]; next_cursor: string | null };
    const list = byId('recent-list');
    if (reset) list.replaceChildren();
    list.append(...page.orders.map((summary) => recentItem(summary, (uid) => void lookup(uid, true))));
    recent.cursor = page.next_cursor;
    byId('recent-more').hidden = !recent.cursor;
    status.textContent = list.children.length === 0 ? 'No orders stored yet.' : '';
  } catch (error) {
    status.textContent =
      error instanceof SignInNeeded ? 'Sign in to see the recent orders.' : `Could not load recent orders (${(error as Error).message}).`;
  }
}

async function submitSample(): Promise<void> {
  const box = byId('submit-result');
  const order = sampleOrder();
  showMessage(box, 'info', `Submitting ${order.order_uid}…`);
  try {
    const response = await api('/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, application/problem+json' },
      body: JSON.stringify(order),
    });
    const body = await response.text();
    box.replaceChildren();
    if (response.status === 202) {
      box.className = 'message ok';
      box.append(el('p', null, `Accepted (202): ${order.order_uid}. It appears once the consumer has stored it.`));
      const look = el('button', 'secondary', 'Look it up');
      look.type = 'button';
      look.addEventListener('click', () => {
        void lookup(order.order_uid, true);
        void loadRecent(true);
      });
      box.append(look);
      return;
    }
    const problem = readProblem(response.status, body);
    box.className = 'message error';
    const text = problemText(problem);
    box.append(el('p', null, `Rejected (HTTP ${response.status})${text ? `: ${text}` : '.'}`));
    if (problem.violations.length > 0) {
      const list = el('ul');
      list.append(...problem.violations.map((v) => el('li', 'mono', `${v.path} ${v.message}`)));
      box.append(list);
    }
  } catch (error) {
    if (error instanceof SignInNeeded) showMessage(box, 'info', 'Signing in…');
    else showMessage(box, 'error', 'Could not reach POST /orders.');
  }
}

async function loadAuthConfig(): Promise<SignInConfig | undefined> {
  try {
    const response = await fetch('/auth/config', { headers: { accept: 'application/json' } });
    return response.status === 200 ? ((await response.json()) as SignInConfig) : undefined;
  } catch {
    return undefined;
  }
}

function start(): void {
  showAccount();
  if (auth.config && !auth.tokens) {
    byId('recent-message').textContent = 'Sign in to see the recent orders.';
    byId('placeholder').textContent = 'Sign in to look up orders.';
    return;
  }
  byId('placeholder').textContent = 'Type an order UID above, or pick one of the recent orders.';
  const match = /^#\/orders\/(.+)$/.exec(location.hash);
  if (match?.[1]) void lookup(decodeURIComponent(match[1]));
  void loadRecent(true);
}

function wire(): void {
  byId('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void lookup(byId<HTMLInputElement>('search-input').value);
  });
  const toggle = byId('raw-toggle');
  toggle.addEventListener('click', () => {
    const raw = byId('raw-json');
    raw.hidden = !raw.hidden;
    toggle.setAttribute('aria-expanded', String(!raw.hidden));
    toggle.textContent = raw.hidden ? 'Show raw JSON' : 'Hide raw JSON';
  });
  byId('recent-refresh').addEventListener('click', () => void loadRecent(true));
  byId('recent-more').addEventListener('click', () => void loadRecent(false));
  byId('submit-sample').addEventListener('click', () => void submitSample());
  byId('sign-in').addEventListener('click', () => void signIn());
  byId('sign-out').addEventListener('click', signOut);
}

document.addEventListener('DOMContentLoaded', async () => {
  wire();
  auth.config = await loadAuthConfig();
  const query = new URLSearchParams(location.search);
  if (auth.config && (query.has('code') || query.has('error'))) await finishSignIn(auth.config);
  start();
});
