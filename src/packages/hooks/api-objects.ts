import { isUtf8 } from 'node:buffer';
import type { DeliveryWithHook } from './repository.ts';
import type { AttemptOutcome, AttemptRow, DeliveryStatus, HookRow } from './table.ts';
import type { VerifyMode } from './verify/registry.ts';

// What the hooks service answers (the API and the CLI show these), each mapped from its row in
// one function, so no secret column leaves the service.

export interface Hook {
  id: number;
  name: string;
  handler: string;
  verify: VerifyMode;
  legacy_path: string | null;
  created_at: string;
}

/** A hook with the secret generated for it, to be shown once; undefined when none was generated. */
export interface HookWithSecret {
  hook: Hook;
  generatedSecret: string | undefined;
}

export interface Delivery {
  id: number;
  hook: string;
  external_id: string;
  status: DeliveryStatus;
  attempts: number;
  received_at: string;
  processed_at: string | null;
  content_type: string;
  sender_ip: string;
  last_error: string | null;
}

/** One run of a delivery's handler. */
export interface Attempt {
  attempt: number;
  started_at: string;
  finished_at: string;
  outcome: AttemptOutcome;
  error: string | null;
}

export interface DeliveryDetail extends Delivery {
  headers: Record<string, string>;
  /** The raw body: as text when it is UTF-8, else base64. */
  body: string;
  body_encoding: 'utf8' | 'base64';
  /** Every run of its handler, oldest first; a replay adds to it and numbers from 1 again. */
  attempt_log: Attempt[];
}

export function hookRowToHook(row: HookRow): Hook {
  const { id, name, handler, verify_mode, legacy_path, created_at } = row;
  return { id, name, handler, verify: verify_mode, legacy_path, created_at };
}

export function deliveryRowToDelivery(row: DeliveryWithHook): Delivery {
  const { id, hook, external_id, status, attempts, received_at, processed_at } = row;
  const { content_type, sender_ip, last_error } = row;
  return {
    id,
    hook,
    external_id,
    status,
    attempts,
    received_at,
    processed_at,
    content_type,
    sender_ip,
    last_error,
  };
}

function attemptRowToAttempt({ attempt, started_at, finished_at, outcome, error }: AttemptRow): Attempt {
  return { attempt, started_at, finished_at, outcome, error };
}

export function deliveryRowToDetail(row: DeliveryWithHook, attempts: AttemptRow[]): DeliveryDetail {
  const body = Buffer.from(row.body);
  const text = isUtf8(body);
  return {
    ...deliveryRowToDelivery(row),
    headers: JSON.parse(row.headers),
    body: body.toString(text ? 'utf8' : 'base64'),
    body_encoding: text ? 'utf8' : 'base64',
    attempt_log: attempts.map(attemptRowToAttempt),
  };
}
