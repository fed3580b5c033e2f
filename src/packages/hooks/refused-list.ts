import { isUtf8 } from 'node:buffer';
import { type HooksContext, hookByName } from './context.ts';
import type { KeysetPage } from './deliveries.ts';
import { InvalidDeliveryError, RefusedCallNotFoundError } from './errors.ts';
import type { RefusalReason, RefusedCallRecorder } from './refused-calls.ts';
import * as repository from './refused-repository.ts';

/** A call a hook refused, as the admin shows it. */
export interface RefusedCallView {
  id: number;
  hook: string;
  receivedAt: string;
  reason: RefusalReason;
  senderIp: string;
  headers: Record<string, string>;
  /** The body's first bytes as text (base64 when they are not UTF-8); the rest was never kept. */
  preview: string;
  previewEncoding: 'utf8' | 'base64';
  bodySize: number;
}

function rowToView(row: repository.RefusedCallWithHook): RefusedCallView {
  const preview = Buffer.from(row.body_preview);
  // A cut may split a character: the text is shown only when what was kept decodes whole.
  const text = isUtf8(preview);
  return {
    id: row.id,
    hook: row.hook,
    receivedAt: row.received_at,
    reason: row.reason as RefusalReason,
    senderIp: row.sender_ip,
    headers: JSON.parse(row.headers),
    preview: preview.toString(text ? 'utf8' : 'base64'),
    previewEncoding: text ? 'utf8' : 'base64',
    bodySize: row.body_size,
  };
}

/** Recording calls hooks refuse (refused-calls.ts) and reading them back. */
export function createRefusedCalls(context: HooksContext, recorder: RefusedCallRecorder) {
  const { db } = context;
  return {
    /** Keeps a refused call for its hook's administrators: memory only until the next flush. */
    recordRefusal: recorder.record,
    /** Writes the refused calls gathered so far (the server's timer does it every second). */
    flushRefusedCalls: recorder.flush,

    async getRefusedCall(id: number): Promise<RefusedCallView> {
      const row = await repository.findRefusedCall(db, id);
      if (!row) throw new RefusedCallNotFoundError();
      return rowToView(row);
    },

    /** How many refused calls are kept, of one hook or of all, for one reason or all. */
    async countRefusedCalls(filter: { hook?: string; reason?: RefusalReason }): Promise<number> {
      const hookId = filter.hook === undefined ? undefined : (await hookByName(context, filter.hook)).id;
      return repository.countRefusedCalls(db, { hookId, reason: filter.reason });
    },

    /** Refused calls newest first, of one hook or of all, `limit` a page, from `after` (the `next` of the page before). */
    async listRefusedCalls(
      filter: { hook?: string; reason?: RefusalReason },
      limit: number,
      after?: string,
    ): Promise<KeysetPage<RefusedCallView>> {
      if (after !== undefined && after !== '' && !/^\d{1,15}$/.test(after)) {
        throw new InvalidDeliveryError('after must be the next value a list answered');
      }
      const hookId = filter.hook === undefined ? undefined : (await hookByName(context, filter.hook)).id;
      const before = after ? Number(after) : undefined;
      const rows = await repository.listRefusedCalls(db, { hookId, reason: filter.reason, before }, limit + 1);
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return { items: items.map(rowToView), next: rows.length > limit && last ? String(last.id) : undefined };
    },
  };
}
