import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { definePackage } from '../../core/package.ts';
import { userPrincipal } from '../users/index.ts';
import { apiRoutes } from './api-routes.ts';
import { registerCommands } from './cli.ts';
import { inboxHandler } from './handlers.ts';
import { receiveRoutes } from './receive-routes.ts';
import { createSecretBox } from './secret-box.ts';
import { createHooksService } from './service.ts';
import { createDeliveryWorker, type DeliveryWorker } from './worker.ts';

declare module 'fastify' {
  interface FastifyInstance {
    hooks: ReturnType<typeof createHooksService>;
    deliveryWorker: DeliveryWorker;
  }
}

/**
 * Whether an API token may call `token` hooks: its scopes and its owner's permissions, read now,
 * both hold hooks.call. Bearer auth runs on /api only, so hooks resolve their callers' tokens here.
 */
function tokenMayCall(app: FastifyInstance) {
  return async (token: string): Promise<boolean | undefined> => {
    const resolved = await app.tokens.resolve(token);
    if (!resolved) return undefined;
    return userPrincipal(app.users, resolved.user, 'token', resolved.scopes).can('hooks.call');
  };
}

async function services(app: FastifyInstance): Promise<void> {
  const { config } = app;
  const worker = createDeliveryWorker(app.db, {
    handlers: app.hookHandlers,
    log: app.log.child({ component: 'hook-worker' }),
    maxAttempts: config.hookMaxAttempts,
    retryBaseMs: config.hookRetryBaseMs,
    leaseMs: config.hookLeaseMs,
    pollMs: config.hookPollMs,
  });
  // buildApp refuses to start without a secret key, so one is always there.
  const secretBox = createSecretBox(config.secretKey ?? '');
  app.decorate(
    'hooks',
    createHooksService(app.db, {
      secretBox,
      handlers: app.hookHandlers,
      onPending: worker.wake,
      leaseMs: config.hookLeaseMs,
      tokenMayCall: tokenMayCall(app),
    }),
  );
  app.decorate('deliveryWorker', worker);
  // Started once the app is ready and stopped before it closes, so its last attempts still
  // have the database.
  if (config.hookWorker) app.addHook('onReady', async () => worker.start());
  app.addHook('preClose', async () => worker.stop());
}

export default definePackage({
  name: 'hooks',
  migrations: new URL('./migrations/', import.meta.url),
  permissions: {
    'hooks.view': 'See hooks and their stored deliveries',
    'hooks.add': 'Create hooks',
    'hooks.change': 'Change hooks, rotate their secrets and replay deliveries',
    'hooks.delete': 'Delete hooks and their deliveries',
    'hooks.call': 'Call hooks verified by token (a scope for the API tokens of remote services)',
  },
  services: fp(services, { name: 'hooks', dependencies: ['users', 'tokens'] }),
  api: apiRoutes,
  receivers: receiveRoutes,
  hooks: { inbox: inboxHandler },
  commands: registerCommands,
});
