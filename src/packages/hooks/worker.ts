import type { FastifyBaseLogger } from 'fastify';
import type { ControlledTransaction } from 'kysely';
import { type Database, type Db, nowIso } from '../../core/db.ts';
import type { Emit } from '../../core/events.ts';
import type { HandledDelivery, HandlerContext, HandlerReply, HookHandler } from '../../core/hook-handlers.ts';
import { deliveriesFailed, deliveriesProcessed } from '../../core/metrics.ts';
import type { Services } from '../../core/package.ts';
import { createWakeableSleep } from '../../core/wakeable-sleep.ts';
import { type ClaimedDelivery, claimDue, claimedDeliveries, type FinishedAttempt, finishAttempt } from './queue.ts';

export interface DeliveryWorkerOptions {
  handlers: ReadonlyMap<string, HookHandler>;
  /** Every package's services over a handler's transaction (ServiceDeps.servicesOver). */
  servicesOver: (db: Db) => Services;
  log: FastifyBaseLogger;
  /** Writes `hook.delivery.failed` in the transaction that marks a delivery failed. */
  emit: Emit;
  maxAttempts: number;
  retryBaseMs: number;
  leaseMs: number;
  pollMs: number;
  /** Deliveries claimed at a time, and handled one after another in one transaction. */
  batchSize?: number;
  now?: () => Date;
}

const MAX_RETRY_DELAY_MS = 3_600_000;
const MAX_ERROR_LENGTH = 2000;
/** One savepoint at a time, released before the next delivery's: one name serves them all. */
const SAVEPOINT = 'delivery';

/** How one claimed delivery's run went: the attempt, whether the fence let it be recorded, the reply. */
interface Run {
  attempt: FinishedAttempt;
  recorded: boolean;
  reply?: HandlerReply;
}

/** The wait after a failed attempt: the base, doubled for each attempt before it, at most an hour. */
export function retryDelayMs(retryBaseMs: number, attempt: number): number {
  return Math.min(retryBaseMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text.slice(0, MAX_ERROR_LENGTH);
}

function toHandled(delivery: ClaimedDelivery): HandledDelivery {
  return {
    id: delivery.id,
    hook: delivery.hook,
    externalId: delivery.external_id,
    contentType: delivery.content_type,
    headers: JSON.parse(delivery.headers),
    body: Buffer.from(delivery.body),
    receivedAt: delivery.received_at,
    attempt: delivery.attempts,
  };
}

/**
 * Runs hook handlers on stored deliveries, never inside the sender's request (inline handlers
 * aside, and only after the commit). Every server process runs one: it claims due deliveries
 * with a lease, so processes on one database share the work and a crashed process's claims are
 * taken over when their lease lapses; it wakes at once for deliveries this process stored, and
 * polls for the rest (other processes' deliveries, retries falling due).
 */
export function createDeliveryWorker(db: Db, options: DeliveryWorkerOptions) {
  const { handlers, servicesOver, log, emit, maxAttempts, retryBaseMs, leaseMs, pollMs } = options;
  // Each claim and each batch's run is a commit (an fsync that blocks the event loop on SQLite):
  // batches large enough to keep up with ingest, bounded so one run's transaction stays short. On
  // SQLite that transaction holds the process's one connection, and receiving's commits wait for
  // it (a `serve --workers` primary's too, which stores every worker's deliveries). Measured under
  // S4 with `--workers 2` on SQLite: 64 kept up with 5.5–5.9k deliveries/s, ingest p99 19–23 ms;
  // 16 fell behind at 4.9k/s, its claims and commits two thirds of the primary's SQLite time.
  const { batchSize = 64, now = () => new Date() } = options;
  let running = false;
  let loop: Promise<void> | undefined;
  const pause = createWakeableSleep();

  /**
   * Runs one claimed delivery's handler inside `trx`, under a savepoint, and records the attempt
   * there too: the handler's writes stay only when it succeeded and the delivery was still ours to
   * finish (the fence in finishAttempt), so they commit exactly when the delivery becomes done.
   */
  async function run(trx: ControlledTransaction<Database>, delivery: ClaimedDelivery): Promise<Run> {
    const point = await trx.savepoint(SAVEPOINT).execute();
    const startedAt = nowIso(now());
    let reply: HandlerReply | undefined;
    let error: string | null = null;
    try {
      const handler = handlers.get(delivery.handler);
      if (!handler) throw new Error(`no handler named "${delivery.handler}" is installed`);
      reply = await handler.handle(toHandled(delivery), handlerContext(point));
    } catch (thrown) {
      error = errorText(thrown);
      await point.rollbackToSavepoint(SAVEPOINT).execute();
    }
    const finished = now();
    const status = error === null ? 'done' : delivery.attempts >= maxAttempts ? 'failed' : 'pending';
    const attempt: FinishedAttempt = {
      deliveryId: delivery.id,
      attempt: delivery.attempts,
      startedAt,
      finishedAt: nowIso(finished),
      outcome: error === null ? 'ok' : 'error',
      error,
      status,
      retryAt: nowIso(new Date(finished.getTime() + retryDelayMs(retryBaseMs, delivery.attempts))),
    };
    const recorded = await finishAttempt(point, attempt);
    // Fenced: another worker owns the delivery now, and its run is the one whose writes count.
    if (!recorded) await point.rollbackToSavepoint(SAVEPOINT).execute();
    else if (status === 'failed') {
      await emit(point, 'hook.delivery.failed', {
        id: delivery.id,
        hook: delivery.hook,
        external_id: delivery.external_id,
        attempts: delivery.attempts,
        error,
      });
    }
    await point.releaseSavepoint(SAVEPOINT).execute();
    return { attempt, reply, recorded };
  }

  /** What a handler is given: the run's transaction, and every service over it, built only if read. */
  function handlerContext(trx: Db): HandlerContext {
    let services: Services | undefined;
    return {
      db: trx,
      log,
      get services() {
        services ??= servicesOver(trx);
        return services;
      },
    };
  }

  /**
   * Runs the deliveries' handlers one after another in one transaction, each under a savepoint,
   * and commits their writes and every attempt at once: one commit for a whole batch, as before
   * handlers shared the transaction. A transaction per delivery would cost a commit (an fsync)
   * each; handlers side by side would need a connection each, which SQLite does not have.
   */
  async function runAll(deliveries: ClaimedDelivery[]): Promise<Run[]> {
    const trx = await db.startTransaction().execute();
    const runs: Run[] = [];
    try {
      for (const delivery of deliveries) runs.push(await run(trx, delivery));
      await trx.commit().execute();
    } catch (error) {
      await trx.rollback().execute();
      throw error;
    }
    for (const [index, { attempt, recorded }] of runs.entries()) {
      const context = { delivery: attempt.deliveryId, attempt: attempt.attempt };
      const hook = { hook: deliveries[index].hook };
      if (!recorded) log.warn(context, 'hook delivery was claimed elsewhere meanwhile; attempt not recorded');
      else if (attempt.status === 'done') deliveriesProcessed.inc(hook);
      else if (attempt.status === 'failed') {
        deliveriesFailed.inc(hook);
        log.error({ ...context, error: attempt.error }, 'hook delivery failed');
      } else if (attempt.status === 'pending') {
        log.warn({ ...context, error: attempt.error, retryAt: attempt.retryAt }, 'hook handler failed; will retry');
      }
    }
    return runs;
  }

  /** Claims one batch of due deliveries and runs them; answers how many there were. */
  async function runDue(): Promise<number> {
    const at = now();
    const claimed = await claimDue(db, nowIso(at), nowIso(new Date(at.getTime() + leaseMs)), batchSize);
    if (claimed.length > 0) await runAll(claimed);
    return claimed.length;
  }

  async function work(): Promise<void> {
    while (running) {
      let ran = 0;
      try {
        ran = await runDue();
      } catch (error) {
        log.error({ error: errorText(error) }, 'could not claim or record hook deliveries');
      }
      // Receiving goes first: requests read meanwhile get the connection before the next claim.
      if (ran === 0) await pause.sleep(pollMs);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  return {
    start(): void {
      if (running) return;
      running = true;
      loop = work();
    },

    /** Stops claiming, and resolves once the attempts under way have been recorded. */
    async stop(): Promise<void> {
      running = false;
      pause.wake();
      await loop;
    },

    runDue,

    /** Looks for due deliveries now rather than at the next poll. */
    wake: pause.wake,

    /**
     * Runs, inside the request, the handler of a delivery that receiving claimed for it (inline.ts
     * decides when); answers the handler's reply, or undefined when there is none to give.
     */
    async runClaimed(deliveryId: number): Promise<HandlerReply | undefined> {
      try {
        const [delivery] = await claimedDeliveries(db, [deliveryId]);
        if (!delivery) return undefined;
        // The same unit as in the worker: the run's writes commit with the delivery's move to done.
        const [{ attempt, recorded, reply }] = await runAll([delivery]);
        return attempt.outcome === 'ok' && recorded ? reply : undefined;
      } catch (error) {
        // The delivery is committed: the sender hears OK, and the worker takes it once the claim lapses.
        log.error({ delivery: deliveryId, error: errorText(error) }, 'could not run an inline hook handler');
        return undefined;
      }
    },
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
