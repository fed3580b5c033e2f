import type { FastifyInstance } from 'fastify';
import { epochReader } from '../../core/epochs.ts';
import { definePackage, type ServiceDeps } from '../../core/package.ts';
import type { AuditService } from '../audit/index.ts';
import type { EventsService } from '../events/index.ts';
import { userAdmin } from './admin.ts';
import { apiRoutes } from './api-routes.ts';
import { registerCommands } from './cli.ts';
import { usersEventTypes } from './events.ts';
import { groupAdmin } from './group-admin.ts';
import { createLoginThrottle } from './login-throttle.ts';
import { pageRoutes } from './page-routes.ts';
import { createUsersService } from './service.ts';
import { sessionAuth } from './session-auth.ts';
import { createSessionService } from './sessions.ts';

/** The users package's services, for the server, its commands and the tests alike. */
function services({
  db,
  config,
  now,
  permissions,
  redis,
  audit,
  events,
}: ServiceDeps & { audit: AuditService; events: EventsService }) {
  const throttle = createLoginThrottle({
    maxFailuresPerAccountAddress: config.loginMaxFailuresPerAccountAddress,
    maxFailuresPerAddress: config.loginMaxFailuresPerAddress,
    maxFailuresPerAccount: config.loginMaxFailuresPerAccount,
    lockoutMs: config.loginLockoutMs,
    redis,
  });
  // One reader for the process's caches of sessions, tokens (through `users`) and access.
  const authEpoch = epochReader(db, 'auth_epoch');
  return {
    users: createUsersService(db, {
      permissions,
      audit,
      events,
      throttle,
      authEpoch,
      userListEpoch: epochReader(db, 'user_list_epoch'),
      now,
    }),
    sessions: createSessionService(db, {
      idleMs: config.sessionIdleMs,
      maxAgeMs: config.sessionMaxAgeMs,
      audit,
      authEpoch,
      now,
    }),
  };
}

type UsersServices = ReturnType<typeof services>;

declare module '../../core/package.ts' {
  interface Services {
    users: UsersServices['users'];
    sessions: UsersServices['sessions'];
  }
}

const PURGE_EVERY_MS = 10 * 60_000;

/** The session cookie on every request, and expired sessions purged while the server runs. */
async function plugin(app: FastifyInstance): Promise<void> {
  await sessionAuth(app);
  const purge = setInterval(() => {
    app.sessions.purgeExpired().catch((error) => app.log.warn({ err: error }, 'purging expired sessions failed'));
  }, PURGE_EVERY_MS);
  purge.unref();
  app.addHook('onClose', async () => clearInterval(purge));
}

export type { Access, UsersService } from './service.ts';
export { userPrincipal } from './session-auth.ts';

export default definePackage({
  name: 'users',
  dependsOn: ['audit', 'events'],
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
  events: usersEventTypes,
  services,
  plugin,
  api: apiRoutes,
  pages: pageRoutes,
  commands: registerCommands,
  admin: [userAdmin, groupAdmin],
});
