-- Up Migration

-- One order = one row here, one delivery, one payment and 1..n items. Orders are immutable once
-- stored (first write wins), so there is no updated_at and no soft delete.
CREATE TABLE orders (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_uid          text        NOT NULL CONSTRAINT orders_order_uid_key UNIQUE
                                 CONSTRAINT orders_order_uid_format CHECK (order_uid ~ '^[A-Za-z0-9_-]{1,64}$'),
  track_number       text        NOT NULL,
  entry              text        NOT NULL,
  locale             text        NOT NULL,
  -- NULL means "absent from the JSON that was sent"; "" is kept as "".
  internal_signature text,
  customer_id        text        NOT NULL,
  delivery_service   text        NOT NULL,
  shardkey           text        NOT NULL,
  sm_id              integer     NOT NULL CHECK (sm_id >= 0),
  -- The instant, for sorting and ranges; and the RFC 3339 text as sent, because timestamptz keeps
  -- neither the offset nor the written precision and the API returns the order exactly as sent.
  date_created       timestamptz NOT NULL,
  date_created_text  text        NOT NULL,
  oof_shard          text        NOT NULL,
  -- SHA-256 of the accepted order's canonical JSON: tells a harmless re-delivery from a re-send
  -- with different content under the same order_uid.
  content_sha256     bytea       NOT NULL,
  ingested_at        timestamptz NOT NULL DEFAULT now()
);

-- Newest first, with id as the tie-breaker for keyset pagination.
CREATE INDEX orders_newest_idx ON orders (date_created DESC, id DESC);

CREATE TABLE deliveries (
  order_id bigint PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
  name     text NOT NULL,
  phone    text NOT NULL,
  zip      text NOT NULL,
  city     text NOT NULL,
  address  text NOT NULL,
  region   text NOT NULL,
  email    text NOT NULL
);

-- Money in minor units as bigint; the sums are the contract's rules, kept true here as well.
CREATE TABLE payments (
  order_id      bigint PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
  transaction   text   NOT NULL,
  request_id    text,
  currency      text   NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  provider      text   NOT NULL,
  amount        bigint NOT NULL CHECK (amount >= 0),
  payment_dt    bigint NOT NULL CHECK (payment_dt >= 0),
  bank          text   NOT NULL,
  delivery_cost bigint NOT NULL CHECK (delivery_cost >= 0),
  goods_total   bigint NOT NULL CHECK (goods_total >= 0),
  custom_fee    bigint NOT NULL CHECK (custom_fee >= 0),
  CONSTRAINT payments_amount_sum CHECK (amount = goods_total + delivery_cost + custom_fee)
);

-- position keeps the items in the order they were sent.
CREATE TABLE items (
  order_id     bigint  NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  position     integer NOT NULL CHECK (position >= 1),
  chrt_id      bigint  NOT NULL CHECK (chrt_id >= 0),
  track_number text    NOT NULL,
  price        bigint  NOT NULL CHECK (price >= 0),
  rid          text    NOT NULL,
  name         text    NOT NULL,
  sale         integer NOT NULL CHECK (sale >= 0),
  size         text    NOT NULL,
  total_price  bigint  NOT NULL CHECK (total_price >= 0),
  nm_id        bigint  NOT NULL CHECK (nm_id >= 0),
  brand        text    NOT NULL,
  status       integer NOT NULL CHECK (status >= 0),
  PRIMARY KEY (order_id, position)
);

-- Down Migration

DROP TABLE items;
DROP TABLE payments;
DROP TABLE deliveries;
DROP TABLE orders;
