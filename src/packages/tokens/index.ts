import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { definePackage } from '../../core/package.ts';
import { apiRoutes } from './api-routes.ts';
import { bearerAuth } from './bearer-auth.ts';
import { registerCommands } from './cli.ts';
import { createTokensService } from './service.ts';

// Hooks in `token` mode read their callers' bearer tokens themselves (bearer auth is /api only).
export { bearerCredentials } from './bearer-auth.ts';
// The users package's set-password --revoke-tokens ends a user's tokens with it.
export { createTokensService } from './service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    tokens: ReturnType<typeof createTokensService>;
  }
}

async function services(app: FastifyInstance): Promise<void> {
  app.decorate('tokens', createTokensService(app.db, { users: app.users }));
  await bearerAuth(app);
}

export default definePackage({
  name: 'tokens',
  migrations: new URL('./migrations/', import.meta.url),
  permissions: {
    'tokens.view': "See everyone's API tokens (never the tokens themselves)",
    'tokens.delete': "Revoke anyone's API tokens",
  },
  // After users: the bearer hook runs after the session cookie's and wins over it.
  services: fp(services, { name: 'tokens', dependencies: ['core-auth', 'users'] }),
  api: apiRoutes,
  commands: registerCommands,
});
