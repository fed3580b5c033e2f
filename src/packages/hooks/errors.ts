import { HttpError } from '../../core/http-errors.ts';
import type { VerifyFailureReason } from './verify/common.ts';

// Domain errors of the hooks package. Each carries its catalog code, so the API and /hooks
// answer with the right status and the CLI prints the message as it is.
export class HookNotFoundError extends HttpError {
  constructor(name?: string) {
    super('not_found', name === undefined ? 'no such hook' : `no hook named "${name}"`);
  }
}

export class HookTakenError extends HttpError {
  constructor(what: string) {
    super('conflict', `${what} is already taken`);
  }
}

export class HookChangedError extends HttpError {
  constructor(name: string) {
    super('conflict', `hook "${name}" changed while its secret was being rotated; rotate again`);
  }
}

export class InvalidHookError extends HttpError {
  constructor(detail: string) {
    super('bad_request', detail);
  }
}

export class InvalidDeliveryError extends HttpError {
  constructor(detail: string) {
    super('bad_request', detail);
  }
}

export class DeliveryNotFoundError extends HttpError {
  constructor() {
    super('not_found', 'no such delivery');
  }
}

export class DeliveryBusyError extends HttpError {
  constructor(id: number) {
    super('conflict', `delivery ${id} is being processed; replay it once that run ends`);
  }
}

/**
 * A call that failed verification. The sender learns only "signature invalid" or "timestamp out
 * of range"; the precise reason is for the log.
 */
export class DeliveryRefusedError extends HttpError {
  constructor(readonly reason: VerifyFailureReason) {
    super(reason === 'timestamp out of range' ? 'timestamp_out_of_range' : 'signature_invalid');
  }
}
