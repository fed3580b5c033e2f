import type { FastifyBaseLogger } from 'fastify';
import type { Db } from './db.ts';

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

export interface HandlerContext {
  db: Db;
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
   * Acts on one stored delivery. It may see a delivery more than once (a retry, a replay, a crash
   * mid-run), so it must be idempotent; throwing schedules a retry with backoff.
   */
  handle(delivery: HandledDelivery, context: HandlerContext): Promise<HandlerReply | undefined>;
  /**
   * Set for senders that read the answer: the handler then also runs inside the request, right
   * after the delivery is committed, and its reply is the response; `fallback` answers instead
   * when that run fails or the delivery is already being handled elsewhere (the worker retries it).
   */
  inline?: { fallback: HandlerReply };
}
