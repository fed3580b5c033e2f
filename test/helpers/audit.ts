import assert from 'node:assert/strict';
import type { Db } from '../../src/core/db.ts';

/** Every audit entry as stored, oldest first; only those of `action` (and `target`) when given. */
export function auditRows(db: Db, action?: string, target?: string) {
  let query = db.selectFrom('audit_entries').selectAll().orderBy('id');
  if (action !== undefined) query = query.where('action', '=', action);
  if (target !== undefined) query = query.where('target', '=', target);
  return query.execute();
}

/** The one entry of `action` (on `target`), asserting there is exactly one, with its summary parsed. */
export async function onlyEntry(db: Db, action: string, target?: string) {
  const rows = await auditRows(db, action, target);
  assert.equal(rows.length, 1, `expected one ${action} entry, got ${JSON.stringify(rows)}`);
  return { ...rows[0], summary: JSON.parse(rows[0].summary) as Record<string, any> };
}

/** Asserts that no stored entry holds any of these strings (a password, a token, a secret, a hash). */
export async function assertTrailHoldsNone(db: Db, secrets: string[]): Promise<void> {
  const stored = JSON.stringify(await auditRows(db));
  for (const secret of secrets) assert.ok(!stored.includes(secret), `the audit trail holds "${secret}"`);
}
