import type { FastifyBaseLogger } from 'fastify';
import { SYSTEM } from '../../core/actor.ts';
import { type Db, isPostgres, nowIso } from '../../core/db.ts';
import { createGroupCommit } from '../../core/group-commit.ts';
import { createWakeableSleep } from '../../core/wakeable-sleep.ts';
import type { AuditService } from '../audit/index.ts';
import { disableSubscription } from './disable.ts';
import type { Outbox } from './outbox.ts';
import { type ClaimedMessage, claimDue, type FinishedSend, finishSend } from './queue.ts';
import { nextAttemptDelayMs } from './retry.ts';
import type { Sender } from './send.ts';
import { signedHeaders } from './signature.ts';

export interface EventWorkerOptions {
  /** Built when the worker first sends, so services built for a CLI command or a handler hold no agents. */
  sender: () => Sender;
  audit: AuditService;
  outbox: Outbox;
  /** The subscription's signing secrets at `at`, opened. */
  openSecrets: (column: string, at: Date) => string[];
  log: FastifyBaseLogger;
  scheduleMs: readonly number[];
  leaseMs: number;
  pollMs: number;
  /** A subscription whose every attempt failed for this long is disabled. */
  failingLimitMs: number;
  /** Messages being sent at once. */
  concurrency?: number;
  now?: () => Date;
}

const MAX_ERROR_LENGTH = 2000;

/** A finished attempt waiting to be recorded, with what judging its subscription needs. */
interface Finished {
  send: FinishedSend;
  message: ClaimedMessage;
  ok: boolean;
  gone: boolean;
  started: Date;
}
/** Looks again this soon after an emit finds nothing yet: its transaction may not have committed. */
const RECHECK_MS = [5, 20, 80, 250];

// The workers running in this process. Services are built more than once (over a hook handler's
// transaction, in the CLI), each with a worker of its own that never starts; a message written
// through any of them wakes the one that runs.
const running = new Set<{ nudge(): void }>();

/** Tells this process's running worker that messages were written; nothing when none runs (the CLI). */
export function nudgeRunningWorkers(): void {
  for (const worker of running) worker.nudge();
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text.slice(0, MAX_ERROR_LENGTH);
}

/**
 * Sends outbox messages to their subscribers, in every server process, never inside a request or
 * a transaction: a message is claimed under a lease in one short statement, sent, and its attempt
 * recorded in a short transaction fenced by the attempt count (a worker whose lease lapsed records
 * nothing). A process killed mid-send leaves its claims to lapse; another worker, or this one
 * restarted, sends them again with the same `webhook-id`, so receivers see each message at least
 * once and drop repeats by that id. Hook ingest never waits on it: no connection is held while a
 * receiver answers.
 */
export function createEventWorker(db: Db, options: EventWorkerOptions) {
  const { sender, audit, outbox, openSecrets, log, scheduleMs, leaseMs, pollMs, failingLimitMs } = options;
  const { concurrency = 16, now = () => new Date() } = options;
  let active = false;
  let loop: Promise<void> | undefined;
  const pause = createWakeableSleep();
  let rechecks = 0;
  const inFlight = new Set<Promise<void>>();

  /**
   * Records finished attempts, those finishing together in one transaction: a commit (an fsync)
   * per batch rather than per message, which on SQLite is what requests wait behind.
   */
  const record = createGroupCommit<Finished, boolean>(
    (items) =>
      db.transaction().execute(async (trx) => {
        const recorded: boolean[] = [];
        for (const item of items) {
          const moved = await finishSend(trx, item.send);
          if (moved) await judgeSubscription(trx, item.message, item.ok, item.gone, item.started);
          recorded.push(moved);
        }
        return recorded;
      }),
    { maxBatch: 64, gatherFirst: !isPostgres(db) },
  );

  /** Sends one claimed message and records the attempt. Never throws. */
  async function deliver(message: ClaimedMessage): Promise<void> {
    const started = now();
    let result: Awaited<ReturnType<Sender['send']>>;
    try {
      const headers = signedHeaders(
        message.webhook_id,
        message.payload,
        openSecrets(message.secrets, started),
        started,
      );
      result = await sender().send(message.url, headers, message.payload);
    } catch (error) {
      result = { statusCode: null, error: errorText(error), responseBody: null, durationMs: 0 };
    }
    const ok =
      result.error === null && result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    const gone = result.statusCode === 410;
    const finished = now();
    const delay = ok || gone ? undefined : nextAttemptDelayMs(scheduleMs, message.attempts, result.retryAfterMs);
    const send: FinishedSend = {
      messageId: message.id,
      attempt: message.attempts,
      startedAt: nowIso(started),
      durationMs: result.durationMs,
      statusCode: result.statusCode,
      error: result.error?.slice(0, MAX_ERROR_LENGTH) ?? null,
      responseBody: result.responseBody,
      status: ok ? 'delivered' : delay === undefined ? 'failed' : 'pending',
      ...(delay !== undefined && { retryAt: nowIso(new Date(finished.getTime() + delay)) }),
      finishedAt: nowIso(finished),
    };
    try {
      const recorded = await record({ send, message, ok, gone, started });
      const context = { message: message.id, subscription: message.subscription_id, attempt: message.attempts };
      if (!recorded) log.warn(context, 'event message was claimed elsewhere meanwhile; attempt not recorded');
      else if (send.status === 'failed') log.warn({ ...context, error: send.error }, 'event message failed');
      else if (send.status === 'pending') log.info({ ...context, error: send.error }, 'event message will be retried');
    } catch (error) {
      // The claim lapses and the message goes again: at least once, never lost.
      log.error({ message: message.id, error: errorText(error) }, 'could not record an event message attempt');
    }
  }

  /**
   * A success forgets the subscription's failures; a 410 disables it at once; a failure starts its
   * failing time, or disables it once that is older than the limit.
   */
  async function judgeSubscription(trx: Db, message: ClaimedMessage, ok: boolean, gone: boolean, at: Date) {
    const row = { id: message.subscription_id, url: message.url };
    if (ok) {
      await trx
        .updateTable('event_subscriptions')
        .set({ failing_since: null })
        .where('id', '=', row.id)
        .where('failing_since', 'is not', null)
        .execute();
      return;
    }
    const deps = { audit, outbox, now };
    if (gone) {
      await disableSubscription(trx, deps, SYSTEM, row, 'gone');
      return;
    }
    const current = await trx
      .selectFrom('event_subscriptions')
      .select('failing_since')
      .where('id', '=', row.id)
      .executeTakeFirst();
    if (!current) return;
    if (current.failing_since === null) {
      await trx
        .updateTable('event_subscriptions')
        .set({ failing_since: nowIso(at) })
        .where('id', '=', row.id)
        .execute();
    } else if (at.getTime() - Date.parse(current.failing_since) >= failingLimitMs) {
      await disableSubscription(trx, deps, SYSTEM, row, 'failing');
    }
  }

  /** Claims as many due messages as there is room for and starts sending them; answers how many. */
  async function claimSome(): Promise<number> {
    const room = concurrency - inFlight.size;
    if (room <= 0) return 0;
    const at = now();
    const claimed = await claimDue(db, nowIso(at), nowIso(new Date(at.getTime() + leaseMs)), room);
    for (const message of claimed) {
      const sending: Promise<void> = deliver(message).finally(() => {
        inFlight.delete(sending);
        pause.wake();
      });
      inFlight.add(sending);
    }
    return claimed.length;
  }

  async function work(): Promise<void> {
    while (active) {
      let claimed = 0;
      try {
        claimed = await claimSome();
      } catch (error) {
        log.error({ error: errorText(error) }, 'could not claim event messages');
      }
      if (claimed > 0) rechecks = 0;
      if (inFlight.size >= concurrency) await pause.sleep(pollMs);
      else if (claimed > 0) await new Promise((resolve) => setImmediate(resolve));
      else if (rechecks > 0) await pause.sleep(RECHECK_MS[RECHECK_MS.length - rechecks--]);
      else await pause.sleep(pollMs);
    }
  }

  const worker = {
    start(): void {
      if (active) return;
      active = true;
      running.add(worker);
      loop = work();
    },

    /** Stops claiming, and resolves once the sends under way have been recorded. */
    async stop(): Promise<void> {
      active = false;
      running.delete(worker);
      pause.wake();
      await loop;
      await Promise.all(inFlight);
    },

    /**
     * Messages were written (by an emit, maybe in a transaction not yet committed): look now, and
     * a few more times shortly, rather than at the next poll.
     */
    nudge(): void {
      if (!active) return;
      rechecks = RECHECK_MS.length;
      pause.wake();
    },
  };
  return worker;
}

export type EventWorker = ReturnType<typeof createEventWorker>;
