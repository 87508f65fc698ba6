// `npm run db:migrate [-- --dev-role-passwords]`: applies migrations/ to DATABASE_URL. With
// --dev-role-passwords it also lets orders_writer and orders_reader log in, each with its own
// name as password (development servers only), and prints their URLs.
import pg from 'pg';
import { migrateUp, RUNTIME_ROLES, setRolePasswords } from '../../shared/db/migrate.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('db:migrate: set DATABASE_URL, e.g. postgres://user:pass@127.0.0.1:5432/orders');
  process.exit(2);
}
const devPasswords = process.argv.includes('--dev-role-passwords');
const client = new pg.Client({ connectionString: databaseUrl });
await client.connect();
try {
  const applied = await migrateUp({ connection: client });
  console.log(applied.length === 0 ? 'db:migrate: schema is up to date' : `db:migrate: applied ${applied.join(', ')}`);
  if (devPasswords) {
    await setRolePasswords(client, Object.fromEntries(RUNTIME_ROLES.map((role) => [role, role])));
    for (const role of RUNTIME_ROLES) {
      const url = new URL(databaseUrl);
      url.username = role;
      url.password = role;
      console.log(`db:migrate: ${role} logs in as ${url.toString()}`);
    }
  }
} finally {
  await client.end();
}
