import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { definePackage } from '../../core/package.ts';
import { apiRoutes } from './api-routes.ts';
import { registerCommands } from './cli.ts';
import { inboxHandler } from './handlers.ts';
import { receiveRoutes } from './receive-routes.ts';
import { createSecretBox } from './secret-box.ts';
import { createHooksService } from './service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    hooks: ReturnType<typeof createHooksService>;
  }
}

async function services(app: FastifyInstance): Promise<void> {
  // buildApp refuses to start without a secret key, so one is always there.
  const secretBox = createSecretBox(app.config.secretKey ?? '');
  app.decorate('hooks', createHooksService(app.db, { secretBox, handlers: app.hookHandlers }));
}

export default definePackage({
  name: 'hooks',
  migrations: new URL('./migrations/', import.meta.url),
  permissions: {
    'hooks.view': 'See hooks and their stored deliveries',
    'hooks.add': 'Create hooks',
    'hooks.change': 'Change hooks, rotate their secrets and replay deliveries',
    'hooks.delete': 'Delete hooks and their deliveries',
  },
  services: fp(services, { name: 'hooks' }),
  api: apiRoutes,
  receivers: receiveRoutes,
  hooks: { inbox: inboxHandler },
  commands: registerCommands,
});
