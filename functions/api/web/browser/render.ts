/**
 * The page's views. Every node is built with textContent, never innerHTML, so order data cannot inject markup.
 */
import type { Order } from '../../../../shared/order/schema.js';
import { formatDateTime, formatMoney } from './format.js';

/** One line of GET /orders. */
export interface OrderSummary {
  order_uid: string;
  date_created: string;
  amount: number;
  currency: string;
  item_count: number;
  delivery_city: string;
}

type Fact = [label: string, value: string | number | undefined, className?: string];

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string | null,
  text?: string | number,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function fillFacts(list: HTMLElement, facts: Fact[]): void {
  list.replaceChildren();
  for (const [label, value, className] of facts) {
    if (value === undefined) continue;
    list.append(el('dt', null, label), el('dd', className ?? null, value === '' ? '—' : value));
  }
}

/** The cache badge: what the API's cache did; `notModified`: the page showed its kept copy (304). */
function showCache(cache: string | null, timing: string | null, notModified: boolean): void {
  const badge = byId('cache-badge');
  badge.textContent = cache === 'hit' ? 'cache hit' : cache === 'miss' ? 'cache miss (database)' : 'cache: unknown';
  badge.className = `badge ${cache === 'hit' ? 'hit' : 'miss'}`;
  badge.title = timing ? `server-timing: ${timing}` : '';
  badge.hidden = notModified && cache === null;
  byId('not-modified').hidden = !notModified;
}

export function renderOrder(order: Order, view: { cache: string | null; timing: string | null; notModified: boolean }): void {
  byId('placeholder').hidden = true;
  byId('order-uid').textContent = order.order_uid;
  showCache(view.cache, view.timing, view.notModified);
  fillFacts(byId('order-facts'), [
    ['Created', formatDateTime(order.date_created)],
    ['Track number', order.track_number, 'mono'],
    ['Customer', order.customer_id],
    ['Entry', order.entry],
    ['Delivery service', order.delivery_service],
    ['Locale', order.locale],
    ['Shard / SM / OOF', `${order.shardkey} / ${order.sm_id} / ${order.oof_shard}`],
    ['Internal signature', order.internal_signature],
  ]);
  const d = order.delivery;
  fillFacts(byId('delivery'), [
    ['Name', d.name],
    ['Phone', d.phone],
    ['Email', d.email],
    ['Address', d.address],
    ['City', d.city],
    ['Region', d.region],
    ['ZIP', d.zip],
  ]);
  const p = order.payment;
  const money = (minor: number) => formatMoney(minor, p.currency);
  fillFacts(byId('payment'), [
    ['Amount', money(p.amount), 'amount'],
    ['Goods', money(p.goods_total)],
    ['Delivery', money(p.delivery_cost)],
    ['Custom fee', money(p.custom_fee)],
    ['Currency', p.currency],
    ['Provider / bank', `${p.provider} / ${p.bank}`],
    ['Paid at', formatDateTime(p.payment_dt * 1000)],
    ['Transaction', p.transaction, 'mono'],
    ['Request id', p.request_id],
  ]);
  const rows = order.items.map((item, index) => {
    const row = el('tr');
    row.append(
      el('td', 'num', index + 1),
      el('td', null, item.name),
      el('td', null, item.brand),
      el('td', null, item.size),
      el('td', 'num', money(item.price)),
      el('td', 'num', `${item.sale}%`),
      el('td', 'num', money(item.total_price)),
      el('td', 'num', item.status),
      el('td', 'num mono', item.nm_id),
    );
    return row;
  });
  byId<HTMLTableElement>('items').tBodies[0]!.replaceChildren(...rows);
  byId('raw-json').textContent = JSON.stringify(order, null, 2);
  byId('order').hidden = false;
}

export function recentItem(summary: OrderSummary, open: (uid: string) => void): HTMLLIElement {
  const button = el('button', 'recent-item');
  button.type = 'button';
  button.dataset.orderUid = summary.order_uid;
  const top = el('span', 'recent-top');
  top.append(el('span', 'mono uid', summary.order_uid), el('span', 'amount', formatMoney(summary.amount, summary.currency)));
  const items = `${summary.item_count} ${summary.item_count === 1 ? 'item' : 'items'}`;
  button.append(top, el('span', 'recent-bottom', `${formatDateTime(summary.date_created)} · ${summary.delivery_city} · ${items}`));
  button.addEventListener('click', () => open(summary.order_uid));
  const li = el('li');
  li.append(button);
  return li;
}

/** A message box (#message, #submit-result): its kind (info, ok, warn, error) and text. */
export function showMessage(box: HTMLElement, kind: string, text: string): void {
  box.className = `message ${kind}`;
  box.textContent = text;
  box.hidden = false;
}
