import type SQLite from 'better-sqlite3';
import { connectionOf, type Db } from './db.ts';

/**
 * An epoch as a request read it: every cached answer the request uses was cached at this epoch.
 * Undefined where nothing may be cached (a transaction's services).
 */
export type Epoch = number | undefined;

/** The one-row counters (`id` 1, `value`) that database triggers move; see the users migrations. */
export type EpochTable = 'auth_epoch' | 'user_list_epoch';

/**
 * Reads an epoch counter (database triggers move it, in the same transaction, on every change
 * that could make an answer cached under it wrong). Requests arriving in one turn of the event
 * loop share one read, made after the last of them arrived: it sees every change committed before
 * any of them asked, as a read of its own would, and a request that asks again later gets a later
 * read. SQLite: one prepared statement on the process's handle; each statement is a read
 * transaction of its own (shared-memory locks, an fstat), and read per request it took a fifth of
 * the who-am-I route's CPU. PostgreSQL: one tiny named query instead of a round trip each.
 * Over a transaction it answers undefined, so services built over one cache nothing.
 */
export function epochReader(db: Db, table: EpochTable): () => Promise<Epoch> {
  const read = `select value from ${table} where id = 1`;
  const connection = connectionOf(db);
  if (connection?.kind === 'sqlite') {
    let statement: SQLite.Statement<[], number> | undefined;
    const { database } = connection;
    return sharedPerTurn(async () => {
      // The handle is shared with Kysely: inside another request's open transaction this read
      // would see its uncommitted bump, which a rollback would later hand to a different change.
      if (database.inTransaction) return undefined;
      // Prepared on first use: the table exists only once the database is migrated.
      statement ??= database.prepare<[], number>(read).pluck();
      return statement.get();
    });
  }
  if (connection?.kind === 'postgres') {
    const query = { name: table, text: read };
    return sharedPerTurn(async () => (await connection.pool.query<{ value: number }>(query)).rows[0]?.value);
  }
  return async () => undefined;
}

/** `read`, made once per event-loop turn for every caller of that turn, after the last of them. */
function sharedPerTurn(read: () => Promise<Epoch>): () => Promise<Epoch> {
  let batch: Promise<Epoch> | undefined;
  return () => {
    batch ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      batch = undefined;
      return read();
    });
    return batch;
  };
}

/**
 * Answers cached at one epoch, dropped as soon as a request brings another. A value is kept
 * only when it was read from the database after the epoch it is kept under, so a change that
 * commits meanwhile has moved the epoch past it. At most `max` entries: full, it starts over.
 */
export class EpochCache<K, V> {
  private epoch: Epoch;
  private readonly entries = new Map<K, V>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get(epoch: Epoch, key: K): V | undefined {
    if (epoch === undefined) return undefined;
    if (epoch !== this.epoch) {
      this.entries.clear();
      this.epoch = epoch;
      return undefined;
    }
    return this.entries.get(key);
  }

  /** The value kept for `key` at `epoch`, or else what `load` reads (after `epoch` was read), kept. */
  async through(epoch: Epoch, key: K, load: () => Promise<V>): Promise<V> {
    const kept = this.get(epoch, key);
    if (kept !== undefined) return kept;
    const value = await load();
    this.set(epoch, key, value);
    return value;
  }

  /** Keeps `value`, read after `epoch` was, unless the cache has moved to another epoch since. */
  set(epoch: Epoch, key: K, value: V): void {
    if (epoch === undefined || epoch !== this.epoch) return;
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(key, value);
  }
}
