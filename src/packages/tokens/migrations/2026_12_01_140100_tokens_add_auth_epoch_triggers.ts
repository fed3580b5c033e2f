import type { Kysely } from 'kysely';
import { epochTriggers } from '../../../core/epoch-triggers.ts';

// Resolved tokens are cached per process while the users package's auth epoch stays put (see its
// migration): revoking, expiring, rescoping or deleting a token moves it. The once-a-minute
// last_used_at write and new tokens leave it alone.
const TRIGGERS = [
  { table: 'api_tokens', event: 'update of user_id, token_hash, scopes, expires_at, revoked_at' },
  { table: 'api_tokens', event: 'delete' },
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const trigger of epochTriggers(db, TRIGGERS, { each: 'row' })) await trigger.create.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const trigger of epochTriggers(db, TRIGGERS, { each: 'row' })) await trigger.drop.execute(db);
}
