// The admin's list pages on 100,000 users: first page, a page deep in the list (keyset), a
// search and a filter, each timed over real HTTP to the compiled server. SQLite by default;
// BENCH_DATABASE_URL=postgres://... for PostgreSQL (the database must be empty).
// Run with `npm run build && node --import tsx bench/admin-lists.ts`.
import { openBenchDatabase, ROWS, timePages } from './admin-bench.ts';

const bench = await openBenchDatabase();
const { db } = bench;

const at = new Date().toISOString();
for (let start = 0; start < ROWS; start += 1000) {
  const rows = Array.from({ length: Math.min(1000, ROWS - start) }, (_, i) => {
    const username = `user${String(start + i).padStart(6, '0')}`;
    return {
      username,
      username_key: username,
      password_hash: 'x',
      first_name: '',
      last_name: '',
      email: `${username}@example.com`,
      active: (start + i) % 10 === 0 ? 0 : 1,
      created_at: at,
      updated_at: at,
      last_login_at: null,
    };
  });
  await db.insertInto('users').values(rows).execute();
}

const deep = Buffer.from(JSON.stringify([`user${String(Math.floor(ROWS * 0.9)).padStart(6, '0')}`, 0])).toString(
  'base64url',
);
const pages = {
  'first page, newest first': '/admin/users/users/',
  'first page by username': '/admin/users/users/?sort=username',
  'page at 90% by username (keyset)': `/admin/users/users/?sort=username&after=${deep}`,
  'search "user0999"': '/admin/users/users/?q=user0999',
  'filter inactive': '/admin/users/users/?f_active=0',
  index: '/admin',
};

await timePages(bench, `${ROWS} users`, pages);
