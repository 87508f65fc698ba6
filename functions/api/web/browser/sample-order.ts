/** The demo's order: small and valid (the contract's money rules hold), with a fresh order_uid. */
import type { Order } from '../../../../shared/order/schema.js';

const NAMES = ['Mascaras', 'Tea kettle', 'Wool socks', 'Desk lamp', 'Notebook'];
const BRANDS = ['Vivienne Sabo', 'Nordic Home', 'Acme', 'Paper & Co'];
const SIZES = ['0', 'S', 'M', 'L'];

export function sampleOrder(random: () => number = Math.random, now: Date = new Date()): Order {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  const below = (n: number) => Math.floor(random() * n);
  const pick = (values: string[]) => values[below(values.length)]!;
  const uid = `${hex}demo`;
  const track = `WBDEMO${hex.slice(0, 8).toUpperCase()}`;
  const items = Array.from({ length: 1 + below(3) }, (_, i) => {
    const price = 100 + below(20000);
    const sale = below(50);
    return {
      chrt_id: 1000000 + below(8999999),
      track_number: track,
      price,
      rid: `${hex}r${i}`,
      name: pick(NAMES),
      sale,
      size: pick(SIZES),
      total_price: Math.floor((price * (100 - sale)) / 100),
      nm_id: 1000000 + below(8999999),
      brand: pick(BRANDS),
      status: 202,
    };
  });
  const goods = items.reduce((sum, item) => sum + item.total_price, 0);
  const deliveryCost = below(2000);
  return {
    order_uid: uid,
    track_number: track,
    entry: 'WBIL',
    delivery: {
      name: 'Demo Customer',
      phone: '+15550100000',
      zip: '2639809',
      city: 'Demo City',
      address: 'Sample Street 1',
      region: 'Demo Region',
      email: 'demo@example.com',
    },
    payment: {
      transaction: uid,
      request_id: '',
      currency: 'USD',
      provider: 'wbpay',
      amount: goods + deliveryCost,
      payment_dt: Math.floor(now.getTime() / 1000),
      bank: 'alpha',
      delivery_cost: deliveryCost,
      goods_total: goods,
      custom_fee: 0,
    },
    items,
    locale: 'en',
    internal_signature: '',
    customer_id: 'demo',
    delivery_service: 'meest',
    shardkey: '9',
    sm_id: 99,
    date_created: now.toISOString(),
    oof_shard: '1',
  };
}
