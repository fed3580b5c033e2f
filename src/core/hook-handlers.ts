import type { FastifyBaseLogger } from 'fastify';
import type { Db } from './db.ts';
import type { Services } from './package.ts';

/** A stored hook delivery as a handler sees it: the raw body exactly as the sender signed it. */
export interface HandledDelivery {
  id: number;
  /** The hook's name. */
  hook: string;
  /** The sender's id for the delivery (`webhook-id`, `MessageSid`, ...), or a UUID. */
  externalId: string;
  contentType: string;
  /** The request headers kept at receipt, lower-case names; never credentials or signatures. */
  headers: Record<string, string>;
  body: Buffer;
  receivedAt: string;
  /** 1 on the first run, counting on through retries. */
  attempt: number;
}

/** What a handler running inline answers the sender (Twilio reads TwiML from the reply). */
export interface HandlerReply {
  contentType: string;
  body: string;
}

/**
 * What a handler is given for one run. `db` is a transaction, not the process's database: the
 * handler's writes through it, or through `services` (every package's services, built over that
 * same transaction the first time the handler reads the field), commit in the very commit that
 * moves the delivery to `done`. So a run that throws, a process killed mid-run, or a run whose
 * claim was taken over meanwhile (its lease lapsed) leaves none of its writes: an effect kept in
 * this database happens exactly once per delivery, which no webhook gateway can promise.
 *
 * What happens elsewhere (a mail sent, a remote API called) has no such guarantee, and must not
 * happen here at all: on SQLite the transaction holds the process's only connection, so a handler
 * awaiting the network inside it stalls every request of the server. Do database work only, and
 * leave anything slow or remote to an outbound event, sent after the commit. Never reach for
 * another Kysely instance (the app's `db`) from a handler: on SQLite it waits for the connection
 * this transaction holds, forever. A statement that fails on PostgreSQL aborts the transaction:
 * let the error propagate (the run is rolled back and retried) rather than catching it.
 */
export interface HandlerContext {
  /** The run's transaction, typed as the database so queries read as everywhere else. */
  db: Db;
  /** Every package's services over the run's transaction, built on first use. */
  readonly services: Services;
  log: FastifyBaseLogger;
}

/**
 * What a hook does with its deliveries, named by `add-hook --handler`. A package offers
 * handlers through the `hooks` field of definePackage, named `<package>.<what>`.
 */
export interface HookHandler {
  /** One line for `add-hook --help` and the API. */
  description: string;
  /**
   * Acts on one stored delivery, inside a transaction (see HandlerContext). A run that throws, or
   * is cut short, leaves no write; a replay runs it again on purpose. Throwing rolls back its
   * writes and schedules a retry with backoff.
   */
  handle(delivery: HandledDelivery, context: HandlerContext): Promise<HandlerReply | undefined>;
  /**
   * Set for senders that read the answer: the handler then also runs inside the request, right
   * after the delivery is committed, and its reply is the response; `fallback` answers instead
   * when that run fails or the delivery is already being handled elsewhere (the worker retries it).
   */
  inline?: { fallback: HandlerReply };
}
