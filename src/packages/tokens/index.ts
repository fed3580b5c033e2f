import { definePackage, type ServiceDeps } from '../../core/package.ts';
import type { AuditService } from '../audit/index.ts';
import type { EventsService } from '../events/index.ts';
import type { UsersService } from '../users/index.ts';
import { tokenAdmin } from './admin.ts';
import { apiRoutes } from './api-routes.ts';
import { bearerAuth } from './bearer-auth.ts';
import { registerCommands } from './cli.ts';
import { tokensEventTypes } from './events.ts';
import { createTokensService } from './service.ts';

// Hooks in `token` mode read their callers' bearer tokens themselves (bearer auth is /api only).
export { bearerCredentials } from './bearer-auth.ts';
export type { TokensService } from './service.ts';

function services({
  db,
  now,
  users,
  audit,
  events,
}: ServiceDeps & { users: UsersService; audit: AuditService; events: EventsService }) {
  return { tokens: createTokensService(db, { users, audit, events, now }) };
}

declare module '../../core/package.ts' {
  interface Services {
    tokens: ReturnType<typeof services>['tokens'];
  }
}

export default definePackage({
  name: 'tokens',
  dependsOn: ['audit', 'events', 'users'],
  migrations: new URL('./migrations/', import.meta.url),
  permissions: {
    'tokens.view': "See everyone's API tokens (never the tokens themselves)",
    'tokens.delete': "Revoke anyone's API tokens",
  },
  events: tokensEventTypes,
  services,
  // After users' in the package list: the bearer hook runs after the session cookie's and wins over it.
  plugin: bearerAuth,
  api: apiRoutes,
  commands: registerCommands,
  admin: [tokenAdmin],
});
