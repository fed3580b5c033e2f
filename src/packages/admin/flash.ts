import type { FastifyReply, FastifyRequest } from 'fastify';
import { hostCookieName } from '../../core/host-cookie.ts';

// A message for the page after a redirect ("User joe created."), in a short-lived signed cookie
// cleared when shown. Never a secret: a value shown once is rendered on the answer itself.
const COOKIE = 'endpoint_flash';
const LIFETIME_S = 60;

export function setFlash(request: FastifyRequest, reply: FastifyReply, message: string): void {
  reply.setCookie(hostCookieName(request, COOKIE), message, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    signed: true,
    secure: request.protocol === 'https',
    maxAge: LIFETIME_S,
  });
}

/** The message left by the previous answer, if any, cleared so it shows once. */
export function takeFlash(request: FastifyRequest, reply: FastifyReply): string | undefined {
  const name = hostCookieName(request, COOKIE);
  const signed = request.cookies[name];
  if (signed === undefined) return undefined;
  reply.clearCookie(name, { path: '/', secure: request.protocol === 'https' });
  const unsigned = request.unsignCookie(signed);
  return unsigned.valid ? (unsigned.value ?? undefined) : undefined;
}
