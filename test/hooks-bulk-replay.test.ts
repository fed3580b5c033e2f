import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Db } from '../src/core/db.ts';
import type { DeliveryStatus } from '../src/packages/hooks/table.ts';
import { auditRows } from './helpers/audit.ts';
import { addHook } from './helpers/hooks.ts';
import { pollUntil } from './helpers/process.ts';
import { startTestServer } from './helpers/server.ts';
import { OPERATOR } from './helpers/users.ts';

const minute = (n: number) => new Date(Date.UTC(2026, 0, 1, 12, n)).toISOString();

/** Stores deliveries straight into the table: hook id, status and minute of receipt each. */
async function seed(db: Db, rows: [number, DeliveryStatus, number][]): Promise<void> {
  await db
    .insertInto('hook_deliveries')
    .values(
      rows.map(([hookId, status, at], index) => ({
        hook_id: hookId,
        external_id: `d${index}`,
        status,
        attempts: status === 'failed' ? 3 : 1,
        next_attempt_at: minute(at),
        received_at: minute(at),
        processed_at: status === 'pending' ? null : minute(at),
        content_type: 'application/json',
        headers: '{}',
        body: Buffer.from('{}'),
        sender_ip: '203.0.113.5',
        last_error: status === 'failed' ? 'boom' : null,
      })),
    )
    .execute();
}

describe('delivery lists and bulk replay', () => {
  it('lists deliveries filtered by hook, status and time, newest first, keyset-paged', async (t) => {
    const server = await startTestServer(t, { env: { ENDPOINT_HOOK_WORKER: 'off' } });
    const a = await addHook(server.app, 'a', 'github');
    const b = await addHook(server.app, 'b', 'github');
    // Two received in the same minute: the id orders them.
    await seed(server.db, [
      [a.id, 'done', 1],
      [a.id, 'failed', 2],
      [b.id, 'failed', 2],
      [a.id, 'failed', 3],
      [a.id, 'failed', 3],
      [a.id, 'pending', 4],
    ]);
    const { hooks } = server.app;
    const ids = async (filter: Parameters<typeof hooks.listDeliveriesPage>[0], limit = 10) => {
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const page = await hooks.listDeliveriesPage(filter, limit, after);
        seen.push(...page.items.map((delivery) => delivery.external_id));
        after = page.next;
      } while (after);
      return seen;
    };
    assert.deepEqual(await ids({}), ['d5', 'd4', 'd3', 'd2', 'd1', 'd0']);
    assert.deepEqual(await ids({}, 1), ['d5', 'd4', 'd3', 'd2', 'd1', 'd0']);
    assert.deepEqual(await ids({ hook: 'a', status: 'failed' }, 2), ['d4', 'd3', 'd1']);
    assert.deepEqual(await ids({ since: minute(2), until: minute(4) }, 2), ['d4', 'd3', 'd2', 'd1']);
    assert.deepEqual(await ids({ hook: 'b' }), ['d2']);
    await assert.rejects(hooks.listDeliveriesPage({ hook: 'nope' }, 10), { code: 'not_found' });
    await assert.rejects(hooks.listDeliveriesPage({ since: 'yesterday' }, 10), { code: 'bad_request' });
    await assert.rejects(hooks.listDeliveriesPage({}, 10, 'not-a-cursor'), { code: 'bad_request' });
    assert.deepEqual(await hooks.countDeliveries('a'), { pending: 1, processing: 0, done: 1, failed: 3 });
  });

  it('replays every failed delivery matching the filter in one go and answers how many', async (t) => {
    const server = await startTestServer(t, { env: { ENDPOINT_HOOK_WORKER: 'off' } });
    const a = await addHook(server.app, 'a', 'github');
    const b = await addHook(server.app, 'b', 'github');
    await seed(server.db, [
      [a.id, 'done', 1],
      [a.id, 'failed', 2],
      [b.id, 'failed', 2],
      [a.id, 'failed', 3],
      [a.id, 'failed', 5],
    ]);
    const { hooks } = server.app;
    const states = async () =>
      (
        await server.db
          .selectFrom('hook_deliveries')
          .select(['external_id', 'status', 'attempts', 'last_error'])
          .orderBy('id')
          .execute()
      ).map((row) => `${row.external_id}:${row.status}:${row.attempts}:${row.last_error ?? '-'}`);

    assert.equal(await hooks.replayFailedDeliveries(OPERATOR, { hook: 'a', since: minute(2), until: minute(5) }), 2);
    assert.deepEqual(await states(), [
      'd0:done:1:-',
      'd1:pending:0:-',
      'd2:failed:3:boom',
      'd3:pending:0:-',
      'd4:failed:3:boom',
    ]);
    // Only failed ones: what was just replayed (pending now) and what is done are left alone.
    assert.equal(await hooks.replayFailedDeliveries(OPERATOR, {}), 2);
    assert.deepEqual(await states(), [
      'd0:done:1:-',
      'd1:pending:0:-',
      'd2:pending:0:-',
      'd3:pending:0:-',
      'd4:pending:0:-',
    ]);
    assert.equal(await hooks.replayFailedDeliveries(OPERATOR, {}), 0);
    await assert.rejects(hooks.replayFailedDeliveries(OPERATOR, { hook: 'nope' }), { code: 'not_found' });

    // One entry a bulk replay, with its filter and count; the refused one (unknown hook) left none.
    const entries = await auditRows(server.db, 'delivery.bulk_replayed');
    assert.deepEqual(
      entries.map((entry) => [entry.actor_username, entry.target, JSON.parse(entry.summary)]),
      [
        ['cli', 'hook:a', { hook: 'a', since: minute(2), until: minute(5), count: 2 }],
        ['cli', 'deliveries', { count: 2 }],
        ['cli', 'deliveries', { count: 0 }],
      ],
    );
  });

  it('hands replayed deliveries to the worker, which runs them again', async (t) => {
    const server = await startTestServer(t);
    const a = await addHook(server.app, 'a', 'github');
    await seed(server.db, [
      [a.id, 'failed', 1],
      [a.id, 'failed', 2],
    ]);
    assert.equal(await server.app.hooks.replayFailedDeliveries(OPERATOR, { hook: 'a' }), 2);
    await pollUntil('both are done', 10_000, async () => {
      const counts = await server.app.hooks.countDeliveries('a');
      return counts.done === 2;
    });
  });
});
