import { type Kysely, sql } from 'kysely';
import { addIdColumn, timestampType } from '../../../core/migration-helpers.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const timestamp = timestampType(db);
  await addIdColumn(db, db.schema.createTable('event_subscriptions'))
    .addColumn('url', 'varchar(2000)', (col) => col.notNull())
    .addColumn('description', 'varchar(500)', (col) => col.notNull())
    .addColumn('event_types', 'text', (col) => col.notNull())
    .addColumn('secrets', 'text', (col) => col.notNull())
    .addColumn('enabled', 'boolean', (col) => col.notNull())
    .addColumn('disabled_reason', 'varchar(200)')
    .addColumn('failing_since', timestamp)
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .addColumn('updated_at', timestamp, (col) => col.notNull())
    .execute();

  await addIdColumn(db, db.schema.createTable('event_messages'))
    .addColumn('subscription_id', 'integer', (col) =>
      col.notNull().references('event_subscriptions.id').onDelete('cascade'),
    )
    .addColumn('webhook_id', 'varchar(64)', (col) => col.notNull().unique())
    .addColumn('event_type', 'varchar(100)', (col) => col.notNull())
    .addColumn('payload', 'text', (col) => col.notNull())
    .addColumn('status', 'varchar(16)', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', timestamp, (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .addColumn('delivered_at', timestamp)
    .addColumn('last_error', 'text')
    .addCheckConstraint('event_messages_status_check', sql`status in ('pending', 'processing', 'delivered', 'failed')`)
    .execute();
  // What the worker asks: which messages are due.
  await db.schema
    .createIndex('event_messages_status_next_attempt_at_idx')
    .on('event_messages')
    .columns(['status', 'next_attempt_at'])
    .execute();
  // A subscription's messages, newest first.
  await db.schema
    .createIndex('event_messages_subscription_id_idx')
    .on('event_messages')
    .columns(['subscription_id', 'id'])
    .execute();

  await addIdColumn(db, db.schema.createTable('event_attempts'))
    .addColumn('message_id', 'integer', (col) => col.notNull().references('event_messages.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (col) => col.notNull())
    .addColumn('started_at', timestamp, (col) => col.notNull())
    .addColumn('duration_ms', 'integer', (col) => col.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('response_body', 'text')
    .execute();
  await db.schema.createIndex('event_attempts_message_id_idx').on('event_attempts').columns(['message_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('event_attempts').execute();
  await db.schema.dropTable('event_messages').execute();
  await db.schema.dropTable('event_subscriptions').execute();
}
