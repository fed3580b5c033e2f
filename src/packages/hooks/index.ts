import type { FastifyInstance } from 'fastify';
import { definePackage, type ServiceDeps } from '../../core/package.ts';
import type { AuditService } from '../audit/index.ts';
import type { EventsService } from '../events/index.ts';
import type { TokensService } from '../tokens/index.ts';
import { type UsersService, userPrincipal } from '../users/index.ts';
import { hooksAdmin } from './admin.ts';
import { adminPages } from './admin-pages.ts';
import { apiRoutes } from './api-routes.ts';
import { registerCommands } from './cli.ts';
import { hooksEventTypes } from './events.ts';
import { inboxHandler } from './handlers.ts';
import './metrics.ts';
import { receiveRoutes } from './receive-routes.ts';
import { createRefusedCallRecorder } from './refused-calls.ts';
import { createSecretBox, type SecretBox } from './secret-box.ts';
import { createHooksService } from './service.ts';
import { createDeliveryWorker } from './worker.ts';

// What the events package shares: sealing secrets at rest, their rotation, and Standard Webhooks secrets.
export { createSecretBox, type SecretBox, SecretBoxError } from './secret-box.ts';
export { liveSecrets, parseSecrets, rotateSecrets, type SealedSecret, serializeSecrets } from './secret-list.ts';
export { generateStandardSecret, standardSecretKey } from './verify/standard.ts';

type Deps = ServiceDeps & { audit: AuditService; events: EventsService; users: UsersService; tokens: TokensService };

/**
 * Whether an API token may call `token` hooks: its scopes and its owner's permissions, read now,
 * both hold hooks.call. Bearer auth runs on /api only, so hooks resolve their callers' tokens here.
 */
function tokenMayCall({ users, tokens }: Deps) {
  return async (token: string): Promise<boolean | undefined> => {
    const resolved = await tokens.resolve(token);
    if (!resolved) return undefined;
    return userPrincipal(users, resolved.user, resolved.epoch, 'token', resolved).can('hooks.call');
  };
}

/** Sealed with the secret key, read when a secret is first sealed or opened: commands that need none run without it. */
function lazySecretBox(secretKey: () => string): SecretBox {
  let box: SecretBox | undefined;
  const opened = () => {
    box ??= createSecretBox(secretKey());
    return box;
  };
  return { seal: (plaintext) => opened().seal(plaintext), open: (sealed) => opened().open(sealed) };
}

// How often refused calls gathered in memory are written: at most this much of them is lost in a crash.
const REFUSED_FLUSH_MS = 1000;

/** The hooks service, this process's delivery worker and refused-call recorder, which only the server starts. */
function services(deps: Deps) {
  const { db, config, log, now, handlers } = deps;
  const worker = createDeliveryWorker(db, {
    handlers,
    servicesOver: deps.servicesOver,
    log: log.child({ component: 'hook-worker' }),
    emit: deps.events.emit,
    maxAttempts: config.hookMaxAttempts,
    retryBaseMs: config.hookRetryBaseMs,
    leaseMs: config.hookLeaseMs,
    pollMs: config.hookPollMs,
    now,
  });
  const refusedCalls = createRefusedCallRecorder(db, {
    retentionMs: config.refusedRetentionMs,
    flushMs: REFUSED_FLUSH_MS,
    now,
    onError: (error) => log.error({ err: error }, 'refused hook calls could not be recorded'),
  });
  const hooks = createHooksService(db, {
    audit: deps.audit,
    refusedCalls,
    secretBox: lazySecretBox(deps.secretKey),
    handlers,
    onPending: worker.wake,
    leaseMs: config.hookLeaseMs,
    tokenMayCall: tokenMayCall(deps),
    now,
  });
  return { hooks, deliveryWorker: worker, refusedCallRecorder: refusedCalls };
}

type HooksServices = ReturnType<typeof services>;

declare module '../../core/package.ts' {
  interface Services {
    hooks: HooksServices['hooks'];
    deliveryWorker: HooksServices['deliveryWorker'];
    refusedCallRecorder: HooksServices['refusedCallRecorder'];
  }
}

/**
 * Starts the worker and the refused-call recorder once the server is ready and stops them before it
 * closes, so the worker's last attempts and the recorder's last flush still have the database.
 */
async function plugin(app: FastifyInstance): Promise<void> {
  if (app.config.hookWorker) app.addHook('onReady', async () => app.deliveryWorker.start());
  app.addHook('onReady', async () => app.refusedCallRecorder.start());
  app.addHook('preClose', async () => {
    await app.deliveryWorker.stop();
    await app.refusedCallRecorder.stop();
  });
}

export default definePackage({
  name: 'hooks',
  dependsOn: ['audit', 'events', 'users', 'tokens'],
  migrations: new URL('./migrations/', import.meta.url),
  permissions: {
    'hooks.view': 'See hooks and their stored deliveries',
    'hooks.add': 'Create hooks',
    'hooks.change': 'Change hooks, rotate their secrets and replay deliveries',
    'hooks.delete': 'Delete hooks and their deliveries',
    'hooks.call': 'Call hooks verified by token (a scope for the API tokens of remote services)',
  },
  events: hooksEventTypes,
  services,
  plugin,
  api: apiRoutes,
  receivers: receiveRoutes,
  hooks: { inbox: inboxHandler },
  commands: registerCommands,
  admin: hooksAdmin,
  pages: adminPages,
});
