import { bearerCredentials } from '../../tokens/index.ts';
import { headerValue, type RequestHeaders, type VerifyResult } from './common.ts';
import type { TokenCheck, VerifyScheme } from './scheme.ts';

/**
 * Verifies a `token` hook call: `Authorization: Bearer <API token>` whose scopes and owner both
 * hold hooks.call. Nothing is signed, so the body is not looked at; the delivery id is the
 * caller's `Idempotency-Key` when it sends one. Never throws unless `mayCall` does.
 */
export async function verifyToken(headers: RequestHeaders, mayCall: TokenCheck | undefined): Promise<VerifyResult> {
  const token = bearerCredentials(headerValue(headers, 'authorization'));
  if (!token) return { ok: false, reason: 'missing token' };
  const permitted = mayCall === undefined ? undefined : await mayCall(token);
  if (permitted === undefined) return { ok: false, reason: 'invalid token' };
  if (!permitted) return { ok: false, reason: 'not permitted' };
  return { ok: true, deliveryId: headerValue(headers, 'idempotency-key') };
}

export const tokenScheme: VerifyScheme = {
  verify: ({ headers, tokenMayCall }) => verifyToken(headers, tokenMayCall),
  secret: { none: 'its callers send API tokens with scope hooks.call' },
};
