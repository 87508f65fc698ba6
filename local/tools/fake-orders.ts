/**
 * Realistic, internally consistent orders (the contract's money rules hold) for the producer
 * CLI, the tests and the benchmarks. Seeded, so a run can be repeated.
 */
import { Faker, en } from '@faker-js/faker';
import type { Item, Order } from '../../shared/order/schema.js';

const CURRENCIES = ['USD', 'EUR', 'RUB', 'ILS', 'KZT', 'GBP'] as const;
const PROVIDERS = ['wbpay', 'stripe', 'paypal'] as const;
const BANKS = ['alpha', 'sber', 'tbank', 'vtb'] as const;
const DELIVERY_SERVICES = ['meest', 'ups', 'dhl', 'cdek'] as const;
const LOCALES = ['en', 'ru', 'he', 'kk'] as const;

export function createFaker(seed: number): Faker {
  const faker = new Faker({ locale: [en] });
  faker.seed(seed);
  return faker;
}

function fakeItem(faker: Faker, trackNumber: string): Item {
  const price = faker.number.int({ min: 100, max: 20_000 });
  const sale = faker.number.int({ min: 0, max: 70 });
  return {
    chrt_id: faker.number.int({ min: 1_000_000, max: 9_999_999 }),
    track_number: trackNumber,
    price,
    rid: faker.string.hexadecimal({ length: 20, casing: 'lower', prefix: '' }),
    name: faker.commerce.productName(),
    sale,
    size: faker.helpers.arrayElement(['0', 'XS', 'S', 'M', 'L', 'XL', '42']),
    total_price: Math.floor((price * (100 - sale)) / 100),
    nm_id: faker.number.int({ min: 1_000_000, max: 9_999_999 }),
    brand: faker.company.name(),
    status: faker.helpers.arrayElement([200, 201, 202, 203]),
  };
}

export function fakeOrder(faker: Faker, { minItems = 1, maxItems = 5 } = {}): Order {
  const orderUid = `${faker.string.hexadecimal({ length: 20, casing: 'lower', prefix: '' })}test`;
  const trackNumber = `WB${faker.string.alphanumeric({ length: 10, casing: 'upper' })}`;
  const items = Array.from({ length: faker.number.int({ min: minItems, max: maxItems }) }, () => fakeItem(faker, trackNumber));
  const goodsTotal = items.reduce((sum, item) => sum + item.total_price, 0);
  const deliveryCost = faker.number.int({ min: 0, max: 2_000 });
  const customFee = faker.number.int({ min: 0, max: 500 });
  const created = faker.date.recent({ days: 30 });
  return {
    order_uid: orderUid,
    track_number: trackNumber,
    entry: 'WBIL',
    delivery: {
      name: faker.person.fullName(),
      phone: `+${faker.string.numeric({ length: { min: 10, max: 12 }, allowLeadingZeros: false })}`,
      zip: faker.location.zipCode('#######'),
      city: faker.location.city(),
      address: faker.location.streetAddress(),
      region: faker.location.state(),
      email: faker.internet.email({ provider: 'example.com' }),
    },
    payment: {
      transaction: orderUid,
      request_id: '',
      currency: faker.helpers.arrayElement(CURRENCIES),
      provider: faker.helpers.arrayElement(PROVIDERS),
      amount: goodsTotal + deliveryCost + customFee,
      payment_dt: Math.floor(created.getTime() / 1000),
      bank: faker.helpers.arrayElement(BANKS),
      delivery_cost: deliveryCost,
      goods_total: goodsTotal,
      custom_fee: customFee,
    },
    items,
    locale: faker.helpers.arrayElement(LOCALES),
    internal_signature: '',
    customer_id: faker.internet.username().replace(/[^A-Za-z0-9_]/g, '_'),
    delivery_service: faker.helpers.arrayElement(DELIVERY_SERVICES),
    shardkey: String(faker.number.int({ min: 0, max: 9 })),
    sm_id: faker.number.int({ min: 1, max: 999 }),
    // RFC 3339 with second precision, like the seed samples.
    date_created: created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    oof_shard: String(faker.number.int({ min: 1, max: 3 })),
  };
}

export function fakeOrders(count: number, seed = 42, options?: { minItems?: number; maxItems?: number }): Order[] {
  const faker = createFaker(seed);
  return Array.from({ length: count }, () => fakeOrder(faker, options));
}
