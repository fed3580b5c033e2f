import type { Kysely } from 'kysely';
import type { Database } from '../../core/db.ts';
import type { SessionTable } from './table.ts';

type Db = Kysely<Database>;

export interface SessionWithUser {
  user_id: number;
  username: string;
  first_name: string;
  last_name: string;
  created_at: string;
  last_seen_at: string;
}

export async function insertSession(db: Db, row: SessionTable): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

/** The session and its active user in one indexed lookup; undefined when either is gone. */
export function findSessionWithUser(db: Db, idHash: string): Promise<SessionWithUser | undefined> {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.user_id',
      'users.username',
      'users.first_name',
      'users.last_name',
      'sessions.created_at',
      'sessions.last_seen_at',
    ])
    .where('sessions.id_hash', '=', idHash)
    .where('users.active', '=', 1)
    .executeTakeFirst();
}

export async function touchSession(db: Db, idHash: string, lastSeenAt: string): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: lastSeenAt }).where('id_hash', '=', idHash).execute();
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

/** Ends every session of the user except, optionally, the one still in use. */
export async function deleteUserSessions(db: Db, userId: number, exceptIdHash?: string): Promise<void> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptIdHash) query = query.where('id_hash', '!=', exceptIdHash);
  await query.execute();
}

export async function deleteSessionsSeenBefore(db: Db, cutoff: string): Promise<void> {
  await db.deleteFrom('sessions').where('last_seen_at', '<', cutoff).execute();
}
