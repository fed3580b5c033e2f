import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { VerifyMode } from './verify/registry.ts';

export type DeliveryStatus = 'pending' | 'processing' | 'done' | 'failed';

export interface HookTable {
  id: Generated<number>;
  name: string;
  handler: string;
  verify_mode: VerifyMode;
  /** JSON array of secrets sealed by the secret box, newest first (see secret-list.ts); empty for `token`. */
  secrets: string;
  /** An extra path the hook also answers at, such as `/twilio/sms`. */
  legacy_path: string | null;
  created_at: string;
}

export interface HookDeliveryTable {
  id: Generated<number>;
  hook_id: number;
  /** The sender's own id for the delivery, or a random UUID when its scheme has none. */
  external_id: string;
  status: DeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: string;
  received_at: string;
  processed_at: string | null;
  content_type: string;
  /** JSON object of the request headers kept, lower-case names; never credentials or signatures. */
  headers: string;
  /** The raw body exactly as received. */
  body: Buffer;
  sender_ip: string;
  last_error: string | null;
}

export type AttemptOutcome = 'ok' | 'error';

/** One run of a delivery's handler. */
export interface HookAttemptTable {
  id: Generated<number>;
  delivery_id: number;
  /** The delivery's attempt count at this run: 1 for the first. */
  attempt: number;
  started_at: string;
  finished_at: string;
  outcome: AttemptOutcome;
  error: string | null;
}

/** A call a hook refused (refused-calls.ts): why, from where, and only a preview of its body. */
export interface HookRefusedCallTable {
  id: Generated<number>;
  hook_id: number;
  received_at: string;
  reason: string;
  sender_ip: string;
  /** JSON object of the kept headers, signature and credential headers only as `[redacted]`. */
  headers: string;
  /** The body's first bytes (REFUSED_PREVIEW_BYTES at most); empty when it was refused before its body was read. */
  body_preview: Buffer;
  body_size: number;
}

export interface HooksTables {
  hooks: HookTable;
  hook_deliveries: HookDeliveryTable;
  hook_attempts: HookAttemptTable;
  hook_refused_calls: HookRefusedCallTable;
}

export type HookRow = Selectable<HookTable>;
export type NewHookRow = Insertable<HookTable>;
export type HookRowUpdate = Updateable<HookTable>;
export type DeliveryRow = Selectable<HookDeliveryTable>;
export type NewDeliveryRow = Insertable<HookDeliveryTable>;
export type AttemptRow = Selectable<HookAttemptTable>;
export type RefusedCallRow = Selectable<HookRefusedCallTable>;
export type NewRefusedCallRow = Insertable<HookRefusedCallTable>;
export type NewAttemptRow = Insertable<HookAttemptTable>;

// Adds this package's tables to the `Database` every query is typed against.
declare module '../../core/db.ts' {
  interface Database extends HooksTables {}
}
