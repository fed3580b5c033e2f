import type { Db } from '../../core/db.ts';
import { inTransaction, nowIso } from '../../core/db.ts';
import { hookCallsRefused } from '../../core/metrics.ts';
import { refusedCallHeaders } from './kept-headers.ts';
import * as repository from './refused-repository.ts';
import type { NewRefusedCallRow } from './table.ts';
import type { RequestHeaders, VerifyFailureReason } from './verify/common.ts';

/** Why a hook refused a call: its verifier's reason, or its sender over the rate limit. */
export type RefusalReason = VerifyFailureReason | 'rate limited';

export const REFUSAL_REASONS: readonly RefusalReason[] = [
  'missing header',
  'signature invalid',
  'timestamp out of range',
  'form too large',
  'missing token',
  'invalid token',
  'not permitted',
  'rate limited',
];

/** Bytes of a refused call's body kept to show; never more, whatever was sent. */
export const REFUSED_PREVIEW_BYTES = 256;
/** Refused calls kept per hook; past it the oldest go first. */
export const MAX_REFUSED_PER_HOOK = 1000;
// What one flush writes at most: a flood of forged calls costs memory and a write only up to
// these, and what is over them is dropped oldest first (the newest say most about a sender now).
const MAX_BUFFERED_PER_HOOK = 100;
const MAX_BUFFERED_HOOKS = 100;
// Names not yet known to be hooks: a real hook's first refusal ever, when it is over the rate limit.
const MAX_BUFFERED_UNKNOWN = 10;
// Age pruning when no call was refused for a while, so old rows of a quiet hook go too.
const PRUNE_EVERY_MS = 3_600_000;

/** A call a hook refused, as the receiving route saw it. */
export interface RefusedCall {
  /** The hook's name as called; a name no hook has is dropped at the flush. */
  hook: string;
  reason: RefusalReason;
  senderIp: string;
  headers: RequestHeaders;
  /** Absent when it was refused before its body was read (rate limited). */
  body?: Buffer;
}

// Headers stay an object until the flush: a call dropped from a full buffer never pays for JSON.
type BufferedRow = Omit<NewRefusedCallRow, 'hook_id' | 'headers'> & { headers: Record<string, string> };

export interface RefusedCallsOptions {
  retentionMs: number;
  flushMs: number;
  now: () => Date;
  onError: (error: unknown) => void;
}

/**
 * Records refused calls for their hooks' administrators. Recording must cost less than refusing,
 * so `record` only keeps the call in memory (a bounded buffer); a timer writes what gathered in
 * one transaction per flush, then trims each hook written to its newest MAX_REFUSED_PER_HOOK and
 * drops rows past the retention. A crash loses at most the buffer: diagnostics, not deliveries.
 */
export function createRefusedCallRecorder(db: Db, options: RefusedCallsOptions) {
  const { retentionMs, flushMs, now, onError } = options;
  let buffer = new Map<string, BufferedRow[]>();
  // Over the rate limit a call is refused before its hook is read, so its name may be any a
  // forger makes up. Names not known to be hooks (a verifier refused for it, or a flush found it)
  // get MAX_BUFFERED_UNKNOWN slots of their own: a flood to names no hook has never takes a real
  // hook's slot. `hookNames` holds only names that were hooks, so it is as bounded as they are.
  const hookNames = new Set<string>();
  let unconfirmed = 0;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<unknown> = Promise.resolve();
  let lastPrune = 0;

  async function write(batch: Map<string, BufferedRow[]>): Promise<number> {
    const at = now();
    return inTransaction(db, async (trx) => {
      let written = 0;
      if (batch.size > 0) {
        // A name no hook has (never was, or removed since) keeps nothing: there is no hook to show it on.
        const ids = await repository.hookIdsByName(trx, [...batch.keys()]);
        for (const name of ids.keys()) hookNames.add(name);
        const rows: NewRefusedCallRow[] = [];
        for (const [name, calls] of batch) {
          const hookId = ids.get(name);
          if (hookId !== undefined)
            for (const call of calls) rows.push({ ...call, headers: JSON.stringify(call.headers), hook_id: hookId });
        }
        await repository.insertRefusedCalls(trx, rows);
        for (const hookId of new Set(rows.map((row) => row.hook_id))) {
          await repository.trimRefusedCalls(trx, hookId, MAX_REFUSED_PER_HOOK);
        }
        written = rows.length;
      }
      await repository.deleteRefusedBefore(trx, nowIso(new Date(at.getTime() - retentionMs)));
      lastPrune = at.getTime();
      return written;
    });
  }

  /** Writes what is buffered (and prunes by age); resolves with how many rows were written. Flushes never overlap. */
  function flush(): Promise<number> {
    const batch = buffer;
    buffer = new Map();
    unconfirmed = 0;
    const run = flushing.then(() => write(batch));
    flushing = run.catch(() => {});
    return run;
  }

  function tick(): void {
    if (buffer.size === 0 && now().getTime() - lastPrune < PRUNE_EVERY_MS) return;
    flush().catch(onError);
  }

  return {
    /** Keeps a refused call to be written at the next flush: memory only, never a query. */
    record(call: RefusedCall): void {
      hookCallsRefused.inc({ reason: call.reason });
      let calls = buffer.get(call.hook);
      if (calls === undefined) {
        if (call.reason !== 'rate limited' || hookNames.has(call.hook)) {
          if (buffer.size - unconfirmed >= MAX_BUFFERED_HOOKS) return;
        } else {
          if (unconfirmed >= MAX_BUFFERED_UNKNOWN) return;
          unconfirmed += 1;
        }
        calls = [];
        buffer.set(call.hook, calls);
      }
      if (calls.length >= MAX_BUFFERED_PER_HOOK) calls.shift();
      const body = call.body ?? Buffer.alloc(0);
      calls.push({
        received_at: nowIso(now()),
        reason: call.reason,
        sender_ip: call.senderIp,
        headers: refusedCallHeaders(call.headers),
        // A copy, so the refused body itself is not held until the flush.
        body_preview: Buffer.from(body.subarray(0, REFUSED_PREVIEW_BYTES)),
        body_size: body.length,
      });
    },
    flush,
    /** Flushes every `flushMs` from now on; the server starts it, the CLI never does. */
    start(): void {
      timer ??= setInterval(tick, flushMs);
      timer.unref();
    },
    /** Stops the timer and writes what is still buffered; a failure is reported, never thrown into the server's close. */
    async stop(): Promise<void> {
      clearInterval(timer);
      timer = undefined;
      // Nothing to write, no query: a server closing after its database went needs none.
      if (buffer.size > 0) await flush().catch(onError);
    },
  };
}

export type RefusedCallRecorder = ReturnType<typeof createRefusedCallRecorder>;
