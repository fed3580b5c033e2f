import type { FastifyReply, FastifyRequest } from 'fastify';
import { renewCsrfSecret } from '../../core/csrf-cookie.ts';
import { clearHostCookie, hostCookieName } from '../../core/host-cookie.ts';

const COOKIE = 'endpoint_session';

/**
 * The session id the browser sent, if any. Over HTTPS only the __Host- cookie counts: a subdomain
 * can plant a plain-named one holding the planter's session and log the victim into that account.
 */
export function sessionCookie(request: FastifyRequest): string | undefined {
  return request.cookies[hostCookieName(request, COOKIE)];
}

/**
 * Checks credentials, then starts a fresh session (a new id at every login) and sets its cookie.
 * The session ends the one the browser had and starts in the login's own transaction: one commit,
 * which on SQLite is one fsync with the event loop blocked, not two.
 */
export async function logIn(request: FastifyRequest, reply: FastifyReply, username: string, password: string) {
  const { users, sessions } = request.server;
  const client = { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' };
  let id = '';
  const user = await users.authenticate(username, password, request.ip, async (trx, userId) => {
    if (request.sessionIdHash) await sessions.end(request.sessionIdHash, trx);
    id = await sessions.start(userId, client, trx);
  });
  reply.setCookie(hostCookieName(request, COOKIE), id, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
  });
  renewCsrfSecret(request, reply);
  return user;
}

/**
 * Ends the session server-side and clears the cookie under both names: a plain one may linger
 * from before the site moved to HTTPS, or have been planted.
 */
export async function logOut(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { principal, sessionIdHash } = request;
  if (sessionIdHash && principal.kind === 'user') {
    const { id, username } = principal.user;
    const tokenId = principal.tokenId;
    const actor = { kind: 'user' as const, userId: id, username, address: request.ip, ...(tokenId && { tokenId }) };
    await request.server.sessions.logOut(actor, sessionIdHash);
  }
  clearHostCookie(request, reply, COOKIE);
}
