import { HttpError } from '../../core/http-errors.ts';

// Domain errors of the events package. Each carries its catalog code, so the API answers with
// the right status and the CLI prints the message as it is.
export class SubscriptionNotFoundError extends HttpError {
  constructor(id: number) {
    super('not_found', `no subscription with id ${id}`);
  }
}

export class MessageNotFoundError extends HttpError {
  constructor(id: number) {
    super('not_found', `no message with id ${id}`);
  }
}

export class InvalidSubscriptionError extends HttpError {
  constructor(detail: string) {
    super('bad_request', detail);
  }
}

/** A URL the SSRF guard refuses: not https, or a host that resolves to a non-public address. */
export class RefusedUrlError extends HttpError {
  constructor(detail: string) {
    super('bad_request', detail);
  }
}

export class EventTypeNotHeldError extends HttpError {
  constructor(type: string, permission: string) {
    super('forbidden', `receiving ${type} events requires permission ${permission}, which you do not hold`);
  }
}

export class SubscriptionChangedError extends HttpError {
  constructor(id: number) {
    super('conflict', `subscription ${id} changed while its secret was being rotated; rotate again`);
  }
}

export class SubscriptionDisabledError extends HttpError {
  constructor(id: number) {
    super('conflict', `subscription ${id} is disabled; enable it first`);
  }
}

export class MessageBusyError extends HttpError {
  constructor(id: number) {
    super('conflict', `message ${id} is being sent; resend it once that attempt ends`);
  }
}
