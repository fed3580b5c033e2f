import cluster from 'node:cluster';
import type { Db } from './db.ts';
import { createGroupCommit } from './group-commit.ts';

// `serve --workers N` on SQLite: one file has one write lock, and processes taking turns at it
// queue on it, each one's busy wait blocking its event loop (better-sqlite3 is synchronous), so a
// second worker added almost nothing to hook ingest. The hot writes go instead to the primary,
// the one writer of the file, over the cluster's IPC channel: each worker gathers what arrives
// while its last batch is away, the primary gathers every worker's batches into one commit, and
// answers each item only after the commit holding it. PostgreSQL takes many writers, so its
// workers commit their own (the primary does not set the flag below).

// Set by the primary in its workers' environment, only on SQLite.
const WRITES_TO_PRIMARY_ENV = 'ENDPOINT_WRITES_TO_PRIMARY';
export const writesToPrimaryEnv = { [WRITES_TO_PRIMARY_ENV]: '1' };

/** A batched write the primary commits for every worker: the same function either side. */
export interface PrimaryWrite<Item, Result> {
  /** What the workers' requests name it by. */
  name: string;
  /** Commits the items together, answering one result per item, in order; throws to fail them all. */
  commit: (db: Db, items: Item[]) => Promise<Result[]>;
  /** The most items one commit takes (a statement's bound parameters are limited). */
  maxBatch: number;
}

const REQUEST = 'endpoint:write-request';
const ANSWER = 'endpoint:write-answer';

interface Request {
  type: typeof REQUEST;
  id: number;
  name: string;
  items: unknown[];
}

/** One item's end: its result, or the error's message and code (what isUniqueViolation and the like read). */
type Outcome = { result: unknown } | { error: { message: string; code?: string } };

interface Answer {
  type: typeof ANSWER;
  id: number;
  outcomes: Outcome[];
}

/** True in a `serve --workers` worker whose primary commits the writes (SQLite). */
export function writesGoToPrimary(): boolean {
  return cluster.isWorker && process.env[WRITES_TO_PRIMARY_ENV] === '1';
}

function failed(error: unknown): Outcome {
  const { message, code } = error as { message?: unknown; code?: unknown };
  return {
    error: { message: String(message ?? error), ...(typeof code === 'string' && { code }) },
  };
}

/**
 * In the primary: commits the workers' writes over `db`, every worker's items of one write
 * group-committed together (core/group-commit.ts: a failing commit is retried item by item, so a
 * bad item fails alone). An answer for a worker that died meanwhile is dropped: its items are
 * committed, and their senders, never answered, send them again.
 */
export function answerWrites(db: Db, writes: readonly PrimaryWrite<never, unknown>[]): void {
  const commits = new Map(
    writes.map((write) => [
      write.name,
      // better-sqlite3 commits synchronously: the batches read meanwhile join the next commit.
      createGroupCommit((items: never[]) => write.commit(db, items), { maxBatch: write.maxBatch, gatherFirst: true }),
    ]),
  );
  cluster.on('message', (worker, message: Request) => {
    if (message?.type !== REQUEST) return;
    const commit = commits.get(message.name);
    const outcomes = message.items.map((item) =>
      commit
        ? commit(item as never).then((result): Outcome => ({ result }), failed)
        : failed(new Error(`the primary commits no write named "${message.name}"`)),
    );
    void Promise.all(outcomes).then((settled) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: message.id, outcomes: settled } satisfies Answer);
    });
  });
}

let nextId = 0;
const waiting = new Map<number, { resolve: (outcomes: Outcome[]) => void; reject: (error: Error) => void }>();

function onAnswer(message: Answer): void {
  if (message?.type !== ANSWER) return;
  const pending = waiting.get(message.id);
  if (pending === undefined) return;
  waiting.delete(message.id);
  pending.resolve(message.outcomes);
}

function onDisconnect(): void {
  for (const pending of waiting.values()) pending.reject(new Error('the primary is gone'));
  waiting.clear();
}

function ask(name: string, items: unknown[]): Promise<Outcome[]> {
  if (nextId === 0) {
    process.on('message', onAnswer);
    process.once('disconnect', onDisconnect);
  }
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    if (!process.connected) return reject(new Error('the primary is gone'));
    waiting.set(id, { resolve, reject });
    process.send?.({ type: REQUEST, id, name, items } satisfies Request);
  });
}

function settle<Result>(outcome: Outcome): Result {
  if ('result' in outcome) return outcome.result as Result;
  throw Object.assign(new Error(outcome.error.message), outcome.error.code && { code: outcome.error.code });
}

/**
 * In a worker: submits one item of `write` to the primary and resolves with its result once the
 * primary's commit holding it is durable, or rejects with its error (its `code` kept). Items
 * submitted while a batch is with the primary go together in the next, so a busy worker sends
 * few messages; a lone item goes at once.
 */
export function writeThroughPrimary<Item, Result>(write: PrimaryWrite<Item, Result>): (item: Item) => Promise<Result> {
  const submit = createGroupCommit((items: Item[]) => ask(write.name, items), { maxBatch: write.maxBatch });
  return async (item) => settle<Result>(await submit(item));
}
