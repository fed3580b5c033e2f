import { isUtf8 } from 'node:buffer';
import type { DeliveryWithHook } from './repository.ts';
import type { Attempt, Delivery, DeliveryDetail, Hook } from './schemas.ts';
import type { AttemptRow, HookRow } from './table.ts';

// What the hooks service answers (the API and the CLI show these; their shapes are the schemas'),
// each mapped from its row in one function, so no secret column leaves the service.

/** A hook with the secret generated for it, to be shown once; undefined when none was generated. */
export interface HookWithSecret {
  hook: Hook;
  generatedSecret: string | undefined;
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
