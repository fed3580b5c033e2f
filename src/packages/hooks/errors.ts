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

/**
 * A call that failed verification. A signed call's sender learns only "signature invalid" or
 * "timestamp out of range"; the precise reason is for the log. A token call is answered as RFC
 * 6750 says: 401 without a good token, 403 for a token without hooks.call.
 */
export class DeliveryRefusedError extends HttpError {
  constructor(readonly reason: VerifyFailureReason) {
    switch (reason) {
      case 'missing token':
        super('unauthenticated', 'this hook takes an API token: Authorization: Bearer <token>', {
          'www-authenticate': 'Bearer',
        });
        break;
      case 'invalid token':
        super('unauthenticated', 'the bearer token is invalid, expired or revoked', {
          'www-authenticate': 'Bearer error="invalid_token"',
        });
        break;
      case 'not permitted':
        super('forbidden', 'the token does not carry permission hooks.call', {
          'www-authenticate': 'Bearer error="insufficient_scope", scope="hooks.call"',
        });
        break;
      case 'timestamp out of range':
        super('timestamp_out_of_range');
        break;
      default:
        super('signature_invalid');
    }
  }
}

/** The hook's secrets do not open with this ENDPOINT_SECRET_KEY: the key changed since they were sealed. */
export class HookSecretsUnreadableError extends HttpError {
  constructor() {
    super('unavailable', 'this hook cannot verify calls at the moment');
  }
}
