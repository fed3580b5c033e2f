import type { FastifyInstance } from 'fastify';
import { userPrincipal } from '../users/index.ts';
import { InvalidTokenError } from './errors.ts';

/**
 * The credentials of `Authorization: Bearer <credentials>`; undefined when the header is absent
 * or names another scheme (Basic, ...), which this package leaves to others.
 */
export function bearerCredentials(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^bearer(?:[ \t]+(.*))?$/i.exec(header.trim());
  return match ? (match[1] ?? '').trim() : undefined;
}

// Tokens are for the API (DESIGN: "accepted on every /api route"). Hook senders verify by their
// own signatures and may send an Authorization header of theirs, which is not ours to judge.
const API_PATH = /^\/api(\/|\?|$)/;

/**
 * Reads `Authorization: Bearer` on every API request and sets `request.principal` from it. It runs
 * after the session cookie's hook and wins over it; a bad token is refused outright rather than
 * falling back to the cookie, so a client never acts as someone it did not name.
 */
export async function bearerAuth(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', async (request) => {
    if (!API_PATH.test(request.url)) return;
    const credentials = bearerCredentials(request.headers.authorization);
    if (credentials === undefined) return;
    const token = await app.tokens.resolve(credentials);
    if (!token) throw new InvalidTokenError();
    // It may do what its scopes allow AND its owner may do now.
    request.principal = userPrincipal(app.users, token.user, token.epoch, 'token', token);
  });
}
