/**
 * The catalog of errors a client can see: a stable code, its HTTP status and a public title.
 * Tests assert on the code; `test/http-errors.test.ts` checks each one is documented in the README.
 */
export const ERRORS = {
  bad_request: { status: 400, title: 'Bad request' },
  host_not_allowed: { status: 400, title: 'This server does not answer for that host' },
  validation_failed: { status: 400, title: 'The request is not valid' },
  weak_password: { status: 400, title: 'The password is too weak' },
  wrong_password: { status: 400, title: 'The current password is wrong' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  invalid_credentials: { status: 401, title: 'Invalid username or password' },
  signature_invalid: { status: 401, title: 'Signature invalid' },
  timestamp_out_of_range: { status: 401, title: 'Timestamp out of range' },
  forbidden: { status: 403, title: 'Permission denied' },
  csrf_failed: { status: 403, title: 'Cross-site request refused' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  payload_too_large: { status: 413, title: 'Request body too large' },
  uri_too_long: { status: 414, title: 'A path segment is too long' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  too_many_requests: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** An error whose code, status and detail may be shown to the client. */
export class HttpError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, detail?: string, headers: Record<string, string> = {}) {
    super(detail ?? ERRORS[code].title);
    this.code = code;
    this.detail = detail;
    this.status = ERRORS[code].status;
    this.headers = headers;
  }
}

// The first code listed for a status is its generic one (bad_request, not wrong_password).
const CODE_BY_STATUS = new Map<number, ErrorCode>(
  Object.entries(ERRORS)
    .reverse()
    .map(([code, { status }]) => [status, code as ErrorCode]),
);

/** The catalog code for a status; the generic 4xx/5xx code where the catalog has none. */
export function codeForStatus(status: number): ErrorCode {
  return CODE_BY_STATUS.get(status) ?? (status >= 500 ? 'internal' : 'bad_request');
}
