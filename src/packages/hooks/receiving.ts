import { randomUUID } from 'node:crypto';
import { isForeignKeyViolation, isPostgres, nowIso } from '../../core/db.ts';
import { createGroupCommit } from '../../core/group-commit.ts';
import { deliveriesReceived } from '../../core/metrics.ts';
import { writesGoToPrimary, writeThroughPrimary } from '../../core/primary-writes.ts';
import { hookRowToHook } from './api-objects.ts';
import { type HooksContext, hookByName } from './context.ts';
import { deliveryInserts } from './delivery-inserts.ts';
import { DeliveryRefusedError, HookNotFoundError, InvalidDeliveryError } from './errors.ts';
import { legacyPathProblem } from './hook-rules.ts';
import { openLiveSecrets } from './hook-secrets.ts';
import { type InlineReply, newDeliveryState } from './inline.ts';
import { keptHeaders } from './kept-headers.ts';
import * as repository from './repository.ts';
import type { Hook } from './schemas.ts';
import type { DeliveryStatus, HookRow, NewDeliveryRow } from './table.ts';
import type { RequestHeaders, VerifyResult } from './verify/common.ts';
import { VERIFY_SCHEMES } from './verify/registry.ts';

/** A call to a hook as the route read it. */
export interface IncomingDelivery {
  body: Buffer;
  headers: RequestHeaders;
  contentType: string;
  /** The public URL the sender called, query string included. */
  url: string;
  senderIp: string;
}

export interface ReceivedDelivery {
  id: number;
  status: DeliveryStatus;
  /** True when the hook already held a delivery with this external id: nothing was stored. */
  duplicate: boolean;
  /** Set when the hook's handler answers the sender (inline.ts): a new delivery is then stored already claimed for it. */
  inline?: InlineReply;
}

// What the external_id column holds; PostgreSQL refuses NUL in text, so it is refused here first.
const EXTERNAL_ID = /^[^\0]{1,255}$/u;

/** Receiving calls: finding the hook, verifying the call, storing it once. */
export function createReceiving(context: HooksContext) {
  const { db, secretBox, handlers, tokenMayCall, onPending, leaseMs, now } = context;
  // Concurrent deliveries share a commit, one INSERT of many rows: each is still answered only
  // once its own is durable (SQLite synchronous=FULL; PostgreSQL synchronous_commit=on, see db.ts).
  // A `serve --workers` worker on SQLite has the primary commit them, the file's one writer.
  const storeDelivery = writesGoToPrimary()
    ? writeThroughPrimary(deliveryInserts)
    : createGroupCommit((rows: NewDeliveryRow[]) => deliveryInserts.commit(db, rows), {
        maxBatch: deliveryInserts.maxBatch,
        gatherFirst: !isPostgres(db),
      });

  /** Verifies a call with the hook's scheme: its API token, or its signature by a secret live at `at`. */
  async function verifyCall(hook: HookRow, delivery: IncomingDelivery, at: Date): Promise<VerifyResult> {
    const secrets = openLiveSecrets(secretBox, hook, at);
    return VERIFY_SCHEMES[hook.verify_mode].verify({ ...delivery, secrets, now: at, tokenMayCall });
  }

  return {
    /**
     * The hook answering at a legacy path such as `/twilio/sms`, read on every call (paths change
     * at runtime); undefined without a query for a path no hook could have.
     */
    async hookAtPath(path: string): Promise<Hook | undefined> {
      if (legacyPathProblem(path) !== undefined) return undefined;
      const row = await repository.findHookByLegacyPath(db, path);
      return row && hookRowToHook(row);
    },

    /**
     * Verifies a call to the named hook and stores it, committed before this resolves. A
     * redelivery of an external id the hook already holds stores nothing and answers the first.
     * Throws HookNotFoundError or DeliveryRefusedError.
     */
    async receive(name: string, delivery: IncomingDelivery): Promise<ReceivedDelivery> {
      // Read on every call, never cached: a removed hook or a rotated secret counts at once.
      const hook = await hookByName(context, name);
      const receivedAt = now();
      const verdict = await verifyCall(hook, delivery, receivedAt);
      if (!verdict.ok) throw new DeliveryRefusedError(verdict.reason);

      const externalId = verdict.deliveryId ?? randomUUID();
      if (!EXTERNAL_ID.test(externalId))
        throw new InvalidDeliveryError('the delivery id must be 1 to 255 characters, without NUL');
      const { inline, state, wakeWorker } = newDeliveryState(handlers.get(hook.handler), receivedAt, leaseMs);
      const inserted = await storeDelivery({
        hook_id: hook.id,
        external_id: externalId,
        ...state,
        received_at: nowIso(receivedAt),
        content_type: delivery.contentType,
        headers: JSON.stringify(keptHeaders(delivery.headers)),
        body: delivery.body,
        sender_ip: delivery.senderIp,
      }).catch((error) => {
        // Removed between its lookup and this insert: as unknown as if it had gone a moment sooner.
        throw isForeignKeyViolation(error) ? new HookNotFoundError(name) : error;
      });
      if (inserted) {
        deliveriesReceived.inc({ hook: name });
        if (wakeWorker) onPending?.();
        return { ...inserted, duplicate: false, inline };
      }
      // The conflicting insert has committed (PostgreSQL waits for it), so the row is there.
      const existing = await repository.findDeliveryByExternalId(db, hook.id, externalId);
      if (!existing) throw new Error(`delivery ${externalId} of hook ${name} conflicted but is not there`);
      return { ...existing, duplicate: true, inline };
    },
  };
}
