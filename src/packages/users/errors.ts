import { HttpError } from '../../core/http-errors.ts';

// Domain errors of the users package. Each carries its catalog code, so the API answers
// with the right status and the CLI prints the message as it is.
export class UsernameTakenError extends HttpError {
  constructor(username: string) {
    super('conflict', `username "${username}" is already taken`);
  }
}

export class GroupNameTakenError extends HttpError {
  constructor(name: string) {
    super('conflict', `group "${name}" already exists`);
  }
}

export class UserNotFoundError extends HttpError {
  constructor(username?: string) {
    super('not_found', username === undefined ? 'no such user' : `no user named "${username}"`);
  }
}

export class GroupNotFoundError extends HttpError {
  constructor(name?: string) {
    super('not_found', name === undefined ? 'no such group' : `no group named "${name}"`);
  }
}

export class UnknownPermissionError extends HttpError {
  constructor(codename: string) {
    super('bad_request', `unknown permission "${codename}"`);
  }
}

/** A change that would give someone a permission the caller does not hold. */
export class BeyondHeldError extends HttpError {
  constructor(reason: string) {
    super('forbidden', `${reason}; nobody may give more than they hold`);
  }
}

/** A change that would leave the admin group without an active member. */
export class LastAdminError extends HttpError {
  constructor(username: string, adminGroup: string, change: string) {
    super(
      'conflict',
      `${username} is the last active member of group "${adminGroup}" and cannot be ${change}; make another admin first`,
    );
  }
}

/** The admin group is what every permission hangs on: it keeps its name and is never deleted. */
export class AdminGroupError extends HttpError {
  constructor(adminGroup: string, change: 'deleted' | 'renamed') {
    super('conflict', `group "${adminGroup}" cannot be ${change}: its members hold every permission`);
  }
}

/** Your own account may not be deleted or deactivated through the API: you would lock yourself out. */
export class SelfChangeError extends HttpError {
  constructor(change: 'delete' | 'deactivate') {
    super('bad_request', `you cannot ${change} yourself`);
  }
}

export class WeakPasswordError extends HttpError {
  constructor(reason: string) {
    super('weak_password', `password ${reason}`);
  }
}

/** The same answer whether the user is missing, inactive or the password is wrong. */
export class InvalidCredentialsError extends HttpError {
  constructor() {
    super('invalid_credentials');
  }
}

export class LoginThrottledError extends HttpError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super('too_many_requests', 'too many failed logins; try again later', {
      'retry-after': String(retryAfterSeconds),
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
