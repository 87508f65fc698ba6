-- Up Migration

-- Least-privilege roles for the runtime functions; only migrations use the master user.
--   orders_writer  the ingest function: INSERT into the four tables, and SELECT on the three
--                  columns of orders that its INSERT ... ON CONFLICT ... RETURNING statement reads
--                  (shared/db/order-sql.ts: order_uid and content_sha256 for the fingerprint
--                  check, id for RETURNING). It cannot read personal data, change or delete a
--                  row, or run DDL.
--   orders_reader  the read API: SELECT on the four tables.
-- Roles belong to the whole server, not to a database: every database on the server (the test
-- template, the scratch databases, a second stack's database) runs this migration, so creating a
-- role tolerates that it exists, also when another database's migration creates it concurrently
-- (node-pg-migrate's advisory lock is per database). They are created NOLOGIN without a password;
-- the migrate function (functions/migrate) gives each one LOGIN and its password from its own
-- secret after the migrations, and the test setup does the same with test passwords.
DO $$
DECLARE
  role_name text;
BEGIN
  FOREACH role_name IN ARRAY ARRAY['orders_writer', 'orders_reader'] LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL; -- created meanwhile by a migration of another database on this server
      END;
    END IF;
  END LOOP;
END
$$;

-- PostgreSQL 15+ (RDS 17, the embedded 18) no longer grants CREATE on schema public to PUBLIC;
-- revoke it anyway for a database created from an older template. A non-owner gets a warning only.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Temporary tables are DDL too: PUBLIC may create them in every database by default.
-- CREATE DATABASE does not copy a database's own privileges from its template
-- (test/support/database.ts repeats this for its clones).
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO orders_writer, orders_reader', current_database());
END
$$;

GRANT USAGE ON SCHEMA public TO orders_writer, orders_reader;

-- Per table, not ALTER DEFAULT PRIVILEGES: the writer's SELECT is limited to columns, which
-- default privileges cannot express, and a future table (or node-pg-migrate's pgmigrations)
-- should not become readable or writable by accident: its migration grants what each role needs.
-- The identity column's sequence needs no grant: an identity column's nextval is not checked
-- against the inserting role (the integration tests insert as orders_writer).
GRANT INSERT ON orders, deliveries, payments, items TO orders_writer;
GRANT SELECT (id, order_uid, content_sha256) ON orders TO orders_writer;

GRANT SELECT ON orders, deliveries, payments, items TO orders_reader;
-- No `ALTER ROLE orders_reader SET default_transaction_read_only = on`: single-user rotation logs
-- in as the role and changes its own password (ALTER ROLE), which a read-only session refuses.

-- Down Migration

-- The roles stay: they belong to the server, and other databases on it may still use them.
REVOKE ALL ON orders, deliveries, payments, items FROM orders_writer, orders_reader;
REVOKE USAGE ON SCHEMA public FROM orders_writer, orders_reader;
DO $$
BEGIN
  EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM orders_writer, orders_reader', current_database());
  EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
END
$$;
