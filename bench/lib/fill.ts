// Grows a bench database's users and hook_deliveries tables to a given size in a few statements
// (server-side series, no round trip a row), so S2–S4 can be compared at 1,000 and 1,000,000 rows.
// Filled users copy user000's password hash; filled deliveries belong to the bench hook, done.
import SQLite from 'better-sqlite3';
import pg from 'pg';

export interface Fill {
  users: number;
  deliveries: number;
}

const usersSelect = (series: string, from: string) => `
  insert into users (username, username_key, password_hash, first_name, last_name, email, active, created_at, updated_at)
  select 'fill' || i, 'fill' || i, u.password_hash, '', '', 'fill' || i || '@example.com', u.active, u.created_at, u.updated_at
  from ${from}, users u where u.username = 'user000' and i <= ${series}`;

const deliveriesSelect = (series: string, from: string, body: string) => `
  insert into hook_deliveries (hook_id, external_id, status, attempts, next_attempt_at, received_at, processed_at,
                               content_type, headers, body, sender_ip)
  select h.id, 'fill-' || i, 'done', 1, h.created_at, h.created_at, h.created_at,
         'application/json', '{}', ${body}, '127.0.0.1'
  from ${from}, hooks h where h.name = 'bench' and i <= ${series}`;

/** Adds rows until users and hook_deliveries hold `fill.users` and `fill.deliveries` rows. */
export async function fillTables(url: string, fill: Fill): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const database = new SQLite(url.slice('sqlite:'.length));
    const count = (table: string) => (database.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    const series = (n: number) =>
      `(with recursive s(i) as (select 1 union all select i + 1 from s where i < ${n}) select i from s)`;
    const users = Math.max(0, fill.users - count('users'));
    const deliveries = Math.max(0, fill.deliveries - count('hook_deliveries'));
    database.transaction(() => {
      database.exec(usersSelect(String(users), series(users)));
      database.exec(deliveriesSelect(String(deliveries), series(deliveries), "x'7b7d'"));
    })();
    database.close();
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const count = async (table: string) => Number((await client.query(`select count(*) as n from ${table}`)).rows[0].n);
  const users = Math.max(0, fill.users - (await count('users')));
  const deliveries = Math.max(0, fill.deliveries - (await count('hook_deliveries')));
  await client.query('begin');
  await client.query(usersSelect(String(users), `generate_series(1, ${users}) as s(i)`));
  await client.query(
    deliveriesSelect(String(deliveries), `generate_series(1, ${deliveries}) as s(i)`, "'\\x7b7d'::bytea"),
  );
  await client.query('commit');
  await client.query('analyze');
  await client.end();
}
