import { type ErrorCode, HttpError } from '../../core/http-errors.ts';
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

export class RefusedCallNotFoundError extends HttpError {
  constructor() {
    super('not_found', 'no such refused call');
  }
}

export class HookRateLimitedError extends HttpError {
  constructor(retryAfterSeconds: number) {
    super('too_many_requests', 'too many calls to this hook from your address; try again later', {
      'retry-after': String(Math.max(1, retryAfterSeconds)),
    });
  }
}

export class DeliveryBusyError extends HttpError {
  constructor(id: number) {
    super('conflict', `delivery ${id} is being processed; replay it once that run ends`);
  }
}

// What each refusal answers: one table, so the constructor calls super() once, first.
const REFUSALS: Record<VerifyFailureReason, { code: ErrorCode; detail?: string; headers?: Record<string, string> }> = {
  'missing token': {
    code: 'unauthenticated',
    detail: 'this hook takes an API token: Authorization: Bearer <token>',
    headers: { 'www-authenticate': 'Bearer' },
  },
  'invalid token': {
    code: 'unauthenticated',
    detail: 'the bearer token is invalid, expired or revoked',
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
  },
  'not permitted': {
    code: 'forbidden',
    detail: 'the token does not carry permission hooks.call',
    headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="hooks.call"' },
  },
  'timestamp out of range': { code: 'timestamp_out_of_range' },
  'missing header': { code: 'signature_invalid' },
  'form too large': { code: 'signature_invalid' },
  'signature invalid': { code: 'signature_invalid' },
};

/**
 * A call that failed verification. A signed call's sender learns only "signature invalid" or
 * "timestamp out of range"; the precise reason is for the log. A token call is answered as RFC
 * 6750 says: 401 without a good token, 403 for a token without hooks.call.
 */
export class DeliveryRefusedError extends HttpError {
  readonly reason: VerifyFailureReason;

  constructor(reason: VerifyFailureReason) {
    const { code, detail, headers } = REFUSALS[reason];
    super(code, detail, headers);
    this.reason = reason;
  }
}

/** The hook's secrets do not open with this ENDPOINT_SECRET_KEY: the key changed since they were sealed. */
export class HookSecretsUnreadableError extends HttpError {
  constructor() {
    super('unavailable', 'this hook cannot verify calls at the moment');
  }
}
