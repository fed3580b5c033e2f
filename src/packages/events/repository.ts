import { type Db, toDbBool } from '../../core/db.ts';
import { type Page, selectPage } from '../../core/paging.ts';
import type {
  AttemptRow,
  EventSubscriptionTable,
  MessageRow,
  NewMessageRow,
  NewSubscriptionRow,
  SubscriptionRow,
} from './table.ts';

type SubscriptionUpdate = Partial<Omit<EventSubscriptionTable, 'id' | 'created_at'>>;

export async function insertSubscription(db: Db, row: NewSubscriptionRow): Promise<SubscriptionRow> {
  return db.insertInto('event_subscriptions').values(row).returningAll().executeTakeFirstOrThrow();
}

export function findSubscription(db: Db, id: number): Promise<SubscriptionRow | undefined> {
  return db.selectFrom('event_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listSubscriptions(db: Db, page: Page): Promise<{ rows: SubscriptionRow[]; total: number }> {
  const matching = db.selectFrom('event_subscriptions');
  return selectPage(matching, matching.selectAll().orderBy('id', 'desc'), page);
}

/** Every enabled subscription's id and types: what an emit matches its event against. */
export function enabledSubscriptionTypes(db: Db): Promise<{ id: number; event_types: string }[]> {
  return db
    .selectFrom('event_subscriptions')
    .select(['id', 'event_types'])
    .where('enabled', '=', toDbBool(true))
    .execute();
}

export async function updateSubscription(
  db: Db,
  id: number,
  changes: SubscriptionUpdate,
): Promise<SubscriptionRow | undefined> {
  return db.updateTable('event_subscriptions').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
}

/** Replaces the secrets only if they are still `expected` (compare-and-set against a concurrent rotation). */
export async function replaceSecrets(
  db: Db,
  id: number,
  expected: string,
  secrets: string,
  updatedAt: string,
): Promise<SubscriptionRow | undefined> {
  return db
    .updateTable('event_subscriptions')
    .set({ secrets, updated_at: updatedAt })
    .where('id', '=', id)
    .where('secrets', '=', expected)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteSubscription(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('event_subscriptions').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function insertMessages(db: Db, rows: NewMessageRow[]): Promise<MessageRow[]> {
  return db.insertInto('event_messages').values(rows).returningAll().execute();
}

export function findMessage(db: Db, id: number): Promise<MessageRow | undefined> {
  return db.selectFrom('event_messages').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listMessages(
  db: Db,
  subscriptionId: number,
  page: Page,
): Promise<{ rows: MessageRow[]; total: number }> {
  const matching = db.selectFrom('event_messages').where('subscription_id', '=', subscriptionId);
  return selectPage(matching, matching.selectAll().orderBy('id', 'desc'), page);
}

/** The attempts of these messages, in order. */
export async function attemptsOf(db: Db, messageIds: number[]): Promise<AttemptRow[]> {
  if (messageIds.length === 0) return [];
  return db
    .selectFrom('event_attempts')
    .selectAll()
    .where('message_id', 'in', messageIds)
    .orderBy('message_id')
    .orderBy('attempt')
    .orderBy('id')
    .execute();
}

/** Sets a message to go again now, unless an attempt is under way (its worker would overwrite it). */
export async function requeueMessage(db: Db, id: number, at: string): Promise<MessageRow | undefined> {
  return db
    .updateTable('event_messages')
    .set({ status: 'pending', attempts: 0, next_attempt_at: at, last_error: null, delivered_at: null })
    .where('id', '=', id)
    .where('status', '!=', 'processing')
    .returningAll()
    .executeTakeFirst();
}
