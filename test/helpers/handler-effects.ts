import type { Db } from '../../src/core/db.ts';
import type { HandledDelivery } from '../../src/core/hook-handlers.ts';

/** A table of the tests' own, where a test handler leaves a row for each run it makes. */
type EffectTables = {
  handler_effects: { delivery_id: number; attempt: number };
};

export async function createEffects(db: Db): Promise<void> {
  await db.schema
    .createTable('handler_effects')
    .addColumn('delivery_id', 'integer', (column) => column.notNull())
    .addColumn('attempt', 'integer', (column) => column.notNull())
    .execute();
}

/** Writes the run's row through the handler's context, as a package's handler writes its own tables. */
export async function writeEffect(db: Db, handled: HandledDelivery): Promise<void> {
  await db
    .withTables<EffectTables>()
    .insertInto('handler_effects')
    .values({ delivery_id: handled.id, attempt: handled.attempt })
    .execute();
}

/** The runs that left a row for a delivery, by attempt. */
export function effects(db: Db, deliveryId: number) {
  return db
    .withTables<EffectTables>()
    .selectFrom('handler_effects')
    .select('attempt')
    .where('delivery_id', '=', deliveryId)
    .orderBy('attempt')
    .execute();
}
