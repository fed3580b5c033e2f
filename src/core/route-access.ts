import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { requirePermission, requireUser } from './auth.ts';

/** The `permission` of a route any logged-in caller may use; the route decides the rest itself. */
export const CALLER = 'caller';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Who may call the route: a permission codename, or `'caller'` for any logged-in user. The
     * scope checks it before the input is validated, so a caller who may not call gets 401/403
     * (a page: the login page) rather than a 400 about their input.
     */
    permission?: string;
    /** The route is for anyone, logged in or not (logging in, the home of a public site). */
    public?: boolean;
  }
  interface FastifySchema {
    /** The permission an /api route requires, as OpenAPI shows it. */
    'x-permission'?: string;
  }
}

type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * The permission a route of `scope` declares (`'caller'` included), or undefined for a public one.
 * Throws at startup for a route that declares neither, or both, or a permission no package
 * declares: a forgotten guard must not become an open route.
 */
export function declaredPermission(
  route: RouteOptions,
  scope: string,
  permissions: ReadonlyMap<string, string>,
): string | undefined {
  const { permission, public: isPublic } = route.config ?? {};
  const where = `${[route.method].flat().join(',')} ${route.url}`;
  if (isPublic === true && permission === undefined) return undefined;
  if (isPublic === true) throw new Error(`${scope} route ${where} declares both a permission and public: true`);
  if (permission === undefined) {
    throw new Error(
      `${scope} route ${where} must declare who may call it: config: { permission: '<codename>' }, ` +
        `{ permission: '${CALLER}' } for any logged-in user, or { public: true }`,
    );
  }
  if (permission !== CALLER && !permissions.has(permission)) {
    throw new Error(`${scope} route ${where} requires permission ${permission}, which no package declares`);
  }
  return permission;
}

/** 401 for anonymous callers, and 403 for callers without `permission` unless it is `'caller'`. */
export function permissionCheck(permission: string): Guard {
  if (permission === CALLER) {
    return async (request) => {
      requireUser(request);
    };
  }
  return async (request) => {
    await requirePermission(request, permission);
  };
}

/**
 * Puts `guard` before the route's own preValidation hooks: it then runs after the scope's
 * onRequest and preParsing hooks and before the body, query and params are validated.
 */
export function guardFirst(route: RouteOptions, guard: Guard): void {
  const own = route.preValidation === undefined ? [] : [route.preValidation].flat();
  route.preValidation = [guard, ...own];
}
