import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { definePackage } from '../../core/package.ts';
import { apiRoutes } from './api-routes.ts';
import { registerCommands } from './cli.ts';
import { createLoginThrottle } from './login-throttle.ts';
import { pageRoutes } from './page-routes.ts';
import { createUsersService } from './service.ts';
import { sessionAuth } from './session-auth.ts';
import { createSessionService } from './sessions.ts';

declare module 'fastify' {
  interface FastifyInstance {
    users: ReturnType<typeof createUsersService>;
    sessions: ReturnType<typeof createSessionService>;
  }
}

const PURGE_EVERY_MS = 10 * 60_000;

async function services(app: FastifyInstance): Promise<void> {
  const { config } = app;
  const throttle = createLoginThrottle({
    maxFailuresPerAccountAddress: config.loginMaxFailuresPerAccountAddress,
    maxFailuresPerAddress: config.loginMaxFailuresPerAddress,
    maxFailuresPerAccount: config.loginMaxFailuresPerAccount,
    lockoutMs: config.loginLockoutMs,
    redis: app.redis,
  });
  app.decorate('users', createUsersService(app.db, { permissions: app.permissions, throttle }));
  app.decorate(
    'sessions',
    createSessionService(app.db, { idleMs: config.sessionIdleMs, maxAgeMs: config.sessionMaxAgeMs }),
  );
  await sessionAuth(app);

  const purge = setInterval(() => {
    app.sessions.purgeExpired().catch((error) => app.log.warn({ err: error }, 'purging expired sessions failed'));
  }, PURGE_EVERY_MS);
  purge.unref();
  app.addHook('onClose', async () => clearInterval(purge));
}

// The users service for other packages' CLI commands, which run without the app (`app.users`).
export { createUsersService, type UsersService } from './service.ts';
export { userPrincipal } from './session-auth.ts';

export default definePackage({
  name: 'users',
  migrations: new URL('./migrations/', import.meta.url),
  permissions: {
    'users.view': 'See every user',
    'users.add': 'Create users',
    'users.change': 'Change any user, including activating and deactivating',
    'users.delete': 'Delete users',
    'groups.view': 'See groups, their members and permissions',
    'groups.add': 'Create groups',
    'groups.change': 'Rename groups, change members and grant or revoke permissions',
    'groups.delete': 'Delete groups',
  },
  services: fp(services, { name: 'users', dependencies: ['core-auth'] }),
  api: apiRoutes,
  pages: pageRoutes,
  commands: registerCommands,
});
