import { HttpError } from '../../core/http-errors.ts';

// Domain errors of the tokens package. Each carries its catalog code, so the API answers with
// the right status and the CLI prints the message as it is.
export class TokenNotFoundError extends HttpError {
  constructor(id: number) {
    super('not_found', `no token with id ${id}`);
  }
}

/** Revoked tokens stay in the table for the record, but are gone for every other purpose. */
export class TokenRevokedError extends HttpError {
  constructor(id: number) {
    super('not_found', `token ${id} is already revoked`);
  }
}

export class UnknownScopeError extends HttpError {
  constructor(scope: string) {
    super('bad_request', `unknown permission "${scope}" in scopes`);
  }
}

export class ScopeNotHeldError extends HttpError {
  constructor(scopes: string[]) {
    const list = scopes.map((scope) => `"${scope}"`).join(', ');
    const [noun, pronoun] = scopes.length === 1 ? ['permission', 'it'] : ['permissions', 'them'];
    super('bad_request', `the token's owner does not hold ${noun} ${list}, so the token cannot carry ${pronoun}`);
  }
}

export class BadExpiryError extends HttpError {
  constructor(text: string) {
    super('bad_request', `the expiry "${text}" is not a duration such as 30m, 12h or 90d of at most 3650d`);
  }
}

export class InactiveOwnerError extends HttpError {
  constructor(username: string) {
    super('bad_request', `user "${username}" is inactive; activate them before giving them a token`);
  }
}

/**
 * A bearer token that is malformed, unknown, revoked, expired or whose owner is inactive: all
 * the same answer (RFC 6750), so a caller learns nothing about which.
 */
export class InvalidTokenError extends HttpError {
  constructor() {
    super('unauthenticated', 'the bearer token is invalid, expired or revoked', {
      'www-authenticate': 'Bearer error="invalid_token"',
    });
  }
}
