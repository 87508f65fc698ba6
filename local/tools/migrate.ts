// `npm run db:migrate`: applies migrations/ to DATABASE_URL.
import { migrateUp } from '../../shared/db/migrate.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('db:migrate: set DATABASE_URL, e.g. postgres://user:pass@127.0.0.1:5432/orders');
  process.exit(2);
}
const applied = await migrateUp({ connection: databaseUrl });
console.log(applied.length === 0 ? 'db:migrate: schema is up to date' : `db:migrate: applied ${applied.join(', ')}`);
