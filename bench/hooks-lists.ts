// The hooks admin pages on 100,000 deliveries: first page, a page deep in the list (keyset), by
// hook, by status, the search by time, a hook's page with its counts, refused calls; each timed
// over real HTTP to the compiled server. SQLite by default; BENCH_DATABASE_URL=postgres://... for
// PostgreSQL (the database must be empty). Run with `npm run build && node --import tsx bench/hooks-lists.ts`.
import { openBenchDatabase, ROWS, timePages } from './admin-bench.ts';

const bench = await openBenchDatabase();
const { db } = bench;

const HOOKS = 10;
const hookIds: number[] = [];
for (let h = 0; h < HOOKS; h += 1) {
  const row = await db
    .insertInto('hooks')
    .values({
      name: `hook${h}`,
      handler: 'inbox',
      verify_mode: 'github',
      secrets: '[]',
      legacy_path: null,
      created_at: new Date().toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  hookIds.push(row.id);
}
// One a second, oldest first, spread over the hooks; one in twenty failed.
const start = Date.UTC(2026, 0, 1);
const time = (n: number) => new Date(start + n * 1000).toISOString();
for (let first = 0; first < ROWS; first += 1000) {
  const rows = Array.from({ length: Math.min(1000, ROWS - first) }, (_, i) => {
    const n = first + i;
    const failed = n % 20 === 0;
    return {
      hook_id: hookIds[n % HOOKS],
      external_id: `d${n}`,
      status: failed ? ('failed' as const) : ('done' as const),
      attempts: failed ? 10 : 1,
      next_attempt_at: time(n),
      received_at: time(n),
      processed_at: failed ? null : time(n),
      content_type: 'application/json',
      headers: '{"content-type":"application/json"}',
      body: Buffer.from(`{"n":${n}}`),
      sender_ip: '203.0.113.1',
      last_error: failed ? 'boom' : null,
    };
  });
  await db.insertInto('hook_deliveries').values(rows).execute();
}
for (let first = 0; first < 1000 * HOOKS; first += 1000) {
  const rows = Array.from({ length: 1000 }, (_, i) => ({
    hook_id: hookIds[(first + i) % HOOKS],
    received_at: time(first + i),
    reason: 'signature invalid',
    sender_ip: '203.0.113.2',
    headers: '{}',
    body_preview: Buffer.from('{}'),
    body_size: 2,
  }));
  await db.insertInto('hook_refused_calls').values(rows).execute();
}

// The cursor of the delivery 90% down the newest-first list, as a page's `next` would carry it.
const deepN = Math.floor(ROWS * 0.1);
const deepRow = await db
  .selectFrom('hook_deliveries')
  .select('id')
  .where('external_id', '=', `d${deepN}`)
  .executeTakeFirstOrThrow();
const deep = Buffer.from(`${time(deepN)}_${deepRow.id}`).toString('base64url');
const pages = {
  'deliveries, first page': '/admin/hooks/deliveries/',
  'deliveries, page at 90% (keyset)': `/admin/hooks/deliveries/?after=${deep}`,
  'deliveries of one hook': '/admin/hooks/deliveries/?q=hook3',
  'deliveries failed': '/admin/hooks/deliveries/?f_status=failed',
  'search: hook, failed, a day': `/admin/hooks/search?hook=hook3&status=failed&since=2026-01-01T12:00&until=2026-01-02T12:00`,
  'search: page at 90% (keyset)': `/admin/hooks/search?after=${deep}`,
  'hook page (counts, recent)': `/admin/hooks/hooks/${hookIds[3]}`,
  'refused calls, first page': '/admin/hooks/refused/',
  'replay-failed confirmation': '/admin/hooks/replay-failed?hook=hook3',
};

await timePages(bench, `${ROWS} deliveries over ${HOOKS} hooks`, pages);
