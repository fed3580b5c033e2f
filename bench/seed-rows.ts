// Fills a migrated database with many users and hook deliveries for the admin list benchmark,
// in multi-row inserts inside one transaction (a row at a time would take minutes on SQLite).
import { type Db, nowIso } from '../src/core/db.ts';

const BATCH = 500;
// A well-formed argon2id string nobody's password matches: seeded users never log in.
const UNUSABLE_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2VlZGVkc2VlZGVk$c2VlZGVkc2VlZGVkc2VlZGVkc2VlZGVkc2VlZGVkc2U';

async function inBatches(count: number, insert: (from: number, to: number) => Promise<unknown>): Promise<void> {
  for (let from = 0; from < count; from += BATCH) await insert(from, Math.min(count, from + BATCH));
}

/** `count` users named `seed000001`...; every third inactive; created a minute apart. */
export async function seedUsers(db: Db, count: number): Promise<void> {
  const start = Date.now() - count * 60_000;
  await db.transaction().execute((trx) =>
    inBatches(count, (from, to) => {
      const rows = [];
      for (let i = from; i < to; i++) {
        const username = `seed${String(i).padStart(6, '0')}`;
        const at = nowIso(new Date(start + i * 60_000));
        rows.push({
          username,
          username_key: username,
          password_hash: UNUSABLE_HASH,
          first_name: `First${i % 997}`,
          last_name: `Last${i % 991}`,
          email: `${username}@example.test`,
          active: i % 3 === 0 ? 0 : 1,
          created_at: at,
          updated_at: at,
          last_login_at: null,
        });
      }
      return trx.insertInto('users').values(rows).execute();
    }),
  );
}

const STATUSES = ['done', 'done', 'done', 'failed', 'pending'] as const;

/** `count` deliveries of hook `hookId`, a second apart, mostly done, a fifth failed or pending. */
export async function seedDeliveries(db: Db, hookId: number, count: number): Promise<void> {
  const start = Date.now() - count * 1000;
  const body = Buffer.from('{"type":"seeded.event","data":{"n":1}}');
  await db.transaction().execute((trx) =>
    inBatches(count, (from, to) => {
      const rows = [];
      for (let i = from; i < to; i++) {
        const at = nowIso(new Date(start + i * 1000));
        const status = STATUSES[i % STATUSES.length];
        rows.push({
          hook_id: hookId,
          external_id: `seed_${i}`,
          status,
          attempts: status === 'pending' ? 0 : 1,
          // Far in the future: the running worker leaves seeded pending deliveries alone.
          next_attempt_at: status === 'pending' ? '2999-01-01T00:00:00.000Z' : at,
          received_at: at,
          processed_at: status === 'pending' ? null : at,
          content_type: 'application/json',
          headers: '{"content-type":"application/json"}',
          body,
          sender_ip: '203.0.113.7',
          last_error: status === 'failed' ? 'seeded failure' : null,
        });
      }
      return trx.insertInto('hook_deliveries').values(rows).execute();
    }),
  );
}
