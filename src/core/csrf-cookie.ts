import type { FastifyReply, FastifyRequest } from 'fastify';

import { clearHostCookie, hostCookieName } from './host-cookie.ts';

// `__Host-` over HTTPS (host-cookie.ts), so no subdomain can plant a secret whose tokens it knows
// and then forge the victim's forms.
const COOKIE = 'endpoint_csrf';

/** The key @fastify/csrf-protection, in its session mode, reads and writes on `request.session`. */
export const CSRF_SECRET_KEY = 'csrfSecret';

export interface CsrfSecretStore {
  [CSRF_SECRET_KEY]: string | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The CSRF secret, for @fastify/csrf-protection. Its cookie mode names the cookie once for
     * every request, so it runs in its session mode over this store, which keeps the secret in a
     * signed HttpOnly cookie named for the request's protocol. Not the login session.
     */
    session: CsrfSecretStore;
  }
}

/** A request's CSRF secret store: only the cookie named for its protocol counts. */
export function csrfSecretStore(request: FastifyRequest, reply: FastifyReply): CsrfSecretStore {
  return {
    get [CSRF_SECRET_KEY]() {
      const signed = request.cookies[hostCookieName(request, COOKIE)];
      const unsigned = signed === undefined ? undefined : request.unsignCookie(signed);
      return unsigned?.valid ? (unsigned.value ?? undefined) : undefined;
    },
    set [CSRF_SECRET_KEY](secret: string | undefined) {
      if (secret === undefined) return;
      // Read back by a second form on the same page, which must carry a token for the same secret.
      request.cookies[hostCookieName(request, COOKIE)] = reply.signCookie(secret);
      reply.setCookie(hostCookieName(request, COOKIE), secret, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        signed: true,
        secure: request.protocol === 'https',
      });
    },
  };
}

/**
 * Drops the CSRF secret at login (Django's rotate_token): a secret someone knew before, planted or
 * read over the victim's shoulder, must not outlive it. The next form the browser gets makes a new one.
 */
export function renewCsrfSecret(request: FastifyRequest, reply: FastifyReply): void {
  for (const name of [COOKIE, `__Host-${COOKIE}`]) delete request.cookies[name];
  clearHostCookie(request, reply, COOKIE);
}
