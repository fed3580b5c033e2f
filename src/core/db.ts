import { createRequire } from 'node:module';
import type SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type Transaction,
} from 'kysely';
import type pg from 'pg';

/**
 * Every table of every package: each package's table.ts adds its own by declaration merging
 * (`declare module '../../core/db.ts' { interface Database extends UsersTables {} }`), so core
 * imports no package.
 */
// biome-ignore lint/suspicious/noEmptyInterface: each package's table.ts fills it in
export interface Database {}

export type Db = Kysely<Database>;

// Each driver is loaded when a URL first names its database: a process holds only the one it
// uses (the other is megabytes of memory for nothing).
const require = createRequire(import.meta.url);
let pgDriver: typeof pg | undefined;

function loadPg(): typeof pg {
  if (pgDriver) return pgDriver;
  pgDriver = require('pg') as typeof pg;
  // Timestamps travel as ISO-8601 strings on both databases: SQLite has no date type and
  // compares ISO strings correctly, so PostgreSQL's Date objects are turned into the same form.
  pgDriver.types.setTypeParser(pgDriver.types.builtins.TIMESTAMPTZ, (value) => new Date(value).toISOString());
  // count(*) is int8 on PostgreSQL; our counts fit a double.
  pgDriver.types.setTypeParser(pgDriver.types.builtins.INT8, Number);
  return pgDriver;
}

/** Opens a Kysely instance for `sqlite:<path>` or `postgres://...`; the caller destroys it. */
export function createDb(url: string, options: { mustExist?: boolean } = {}): Db {
  if (url.startsWith('sqlite:')) {
    const database = openSqlite(url.slice('sqlite:'.length), options.mustExist ?? false);
    const db = new Kysely<Database>({
      dialect: new ImmediateSqliteDialect({ database: withStatementCache(database) }),
    });
    connections.set(db, { kind: 'sqlite', database });
    return db;
  }
  // A commit returns only once it is on the server's disk, whatever the server's default: a hook
  // delivery is acknowledged to its sender on its commit alone (one INSERT, no transaction around it).
  // Appended to the URL's own `options` (a search_path, a statement_timeout), which a separate
  // `options` setting would replace.
  const serverOptions = [new URL(url).searchParams.get('options'), '-c synchronous_commit=on']
    .filter(Boolean)
    .join(' ');
  const pool = new (loadPg().Pool)({ connectionString: url, max: 10, options: serverOptions });
  // An idle connection the server ends (restart, failover, a dropped database) is an 'error'
  // event on the pool, which would crash the process unheard; the pool has already discarded
  // that connection and opens a fresh one for the next query.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  connections.set(db, { kind: 'postgres', pool });
  return db;
}

/** What a Kysely instance made by `createDb` talks through: the SQLite file's handle or the pool. */
export type Connection = { kind: 'sqlite'; database: SQLite.Database } | { kind: 'postgres'; pool: pg.Pool };

// Kysely keeps its pool and handle to itself; /metrics and the hottest reads use them from here.
const connections = new WeakMap<Db, Connection>();

/**
 * The handle or pool under a Kysely instance `createDb` made, for a read too hot for Kysely's
 * per-query compile; undefined for a transaction (whose statements must run on its connection).
 */
export function connectionOf(db: Db): Connection | undefined {
  return connections.get(db);
}

/** A PostgreSQL instance's pool: connections open, idle, and queries waiting for one; undefined on SQLite. */
export function poolStats(db: Db): { total: number; idle: number; waiting: number } | undefined {
  const connection = connections.get(db);
  if (connection?.kind !== 'postgres') return undefined;
  const { pool } = connection;
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}

function openSqlite(path: string, fileMustExist: boolean): SQLite.Database {
  const file = path.startsWith('//') ? path.slice(2) : path;
  const Driver = require('better-sqlite3') as typeof SQLite;
  const database = new Driver(file, { timeout: 5000, fileMustExist });
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  // FULL syncs the WAL on every commit: a hook delivery acknowledged to its sender must survive
  // a power cut, not only a crash of this process (NORMAL may lose the last commits on power loss).
  database.pragma('synchronous = FULL');
  return database;
}

// Kysely begins SQLite transactions with a deferred BEGIN, which takes the write lock only at the
// first write. Under WAL, a deferred transaction that has read, and finds that another process
// (a `serve --workers` primary storing deliveries, another worker) committed since, cannot take
// it: SQLITE_BUSY at once, the busy timeout never consulted. BEGIN IMMEDIATE takes the write lock
// first, waiting for it under the timeout, so a transaction that has begun always commits.
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

// Kysely prepares every query anew, and preparing is a tenth of a request's CPU. The app sends
// a small, fixed set of SQL texts, so prepared statements are kept and reused; the bound keeps
// texts that vary (`in (?, ?, ...)` lists) from growing it without end.
const STATEMENT_CACHE_SIZE = 500;

function withStatementCache(database: SQLite.Database) {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string): SQLite.Statement {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statement = database.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

/**
 * Runs `work` in a new transaction, or in `db` itself when it already is one (services built over
 * a hook handler's transaction), so the work commits or rolls back with the handler's run.
 */
export function inTransaction<T>(db: Db, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db as Transaction<Database>) : db.transaction().execute(work);
}

/** True when the instance talks to PostgreSQL; migrations use it where SQL differs. */
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Current time as stored in timestamp columns. */
export function nowIso(now: Date = new Date()): string {
  return now.toISOString();
}

/** SQLite stores booleans as 0/1 and PostgreSQL accepts them; rows come back as either. */
export function toDbBool(value: boolean): number {
  return value ? 1 : 0;
}

/** True for a unique-constraint violation on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** True for a row pointing at one that is not there (deleted meanwhile), on either database. */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
