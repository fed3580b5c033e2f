import type { FastifyInstance } from 'fastify';
import { definePackage, type ServiceDeps } from '../../core/package.ts';
import type { AuditService } from '../audit/index.ts';
import { createSecretBox, type SecretBox } from '../hooks/index.ts';
import { eventsAdmin } from './admin.ts';
import { apiRoutes } from './api-routes.ts';
import { registerCommands } from './cli.ts';
import { eventsEventTypes } from './event-types.ts';
import { createOutbox } from './outbox.ts';
import { createSender, type Sender } from './send.ts';
import { createSubscriptionsService } from './service.ts';
import { createUrlGuard } from './url-guard.ts';
import { createEventWorker, nudgeRunningWorkers } from './worker.ts';

export type { Outbox as EventsService } from './outbox.ts';

// Its own key, derived from the secret key under another label than the hooks' secrets.
const KEY_LABEL = 'endpoint event subscription secrets v1';
/** Longer than a send can take (15 s), so a live worker's claim never lapses under it. */
const LEASE_MS = 60_000;
const FAILING_LIMIT_MS = 5 * 86_400_000;

/** Sealed with the secret key, read when a secret is first sealed or opened. */
function lazySecretBox(secretKey: () => string): SecretBox {
  let box: SecretBox | undefined;
  const opened = () => {
    box ??= createSecretBox(secretKey(), KEY_LABEL);
    return box;
  };
  return { seal: (plaintext) => opened().seal(plaintext), open: (sealed) => opened().open(sealed) };
}

/** The outbox (`events`, which other packages emit through), subscriptions, and this process's sender. */
function services(deps: ServiceDeps & { audit: AuditService }) {
  const { db, config, log, now, eventTypes, audit } = deps;
  const outbox = createOutbox({ eventTypes, now, onWritten: nudgeRunningWorkers });
  const urlGuard = createUrlGuard(config.eventsAllowedNetworks);
  const subscriptions = createSubscriptionsService(db, {
    audit,
    outbox,
    secretBox: lazySecretBox(deps.secretKey),
    urlGuard,
    eventTypes,
    now,
  });
  let sender: Sender | undefined;
  const eventWorker = createEventWorker(db, {
    sender: () => {
      sender ??= createSender({ allowed: config.eventsAllowedNetworks, inAllowed: urlGuard.inAllowed });
      return sender;
    },
    audit,
    outbox,
    openSecrets: subscriptions.openSecrets,
    log: log.child({ component: 'event-worker' }),
    scheduleMs: config.eventsRetryScheduleMs,
    leaseMs: LEASE_MS,
    pollMs: config.hookPollMs,
    failingLimitMs: FAILING_LIMIT_MS,
    now,
  });
  return {
    events: outbox,
    subscriptions,
    eventWorker: Object.assign(eventWorker, { closeSender: () => sender?.close() }),
  };
}

type EventsServices = ReturnType<typeof services>;

declare module '../../core/package.ts' {
  interface Services {
    events: EventsServices['events'];
    subscriptions: EventsServices['subscriptions'];
    eventWorker: EventsServices['eventWorker'];
  }
}

/**
 * Every server process sends (as it runs hook handlers; ENDPOINT_HOOK_WORKER=off turns both off
 * for a process that only receives); the sends under way are recorded before the database closes.
 */
async function plugin(app: FastifyInstance): Promise<void> {
  if (app.config.hookWorker) app.addHook('onReady', async () => app.eventWorker.start());
  app.addHook('preClose', async () => {
    await app.eventWorker.stop();
    app.eventWorker.closeSender();
  });
}

export default definePackage({
  name: 'events',
  dependsOn: ['audit'],
  migrations: new URL('./migrations/', import.meta.url),
  permissions: {
    'subscriptions.view': 'See event subscriptions and the messages sent to them',
    'subscriptions.add': 'Subscribe URLs to events (only to event types whose data you may see)',
    'subscriptions.change': 'Change subscriptions, rotate their secrets, test them and resend messages',
    'subscriptions.delete': 'Delete subscriptions and their messages',
  },
  events: eventsEventTypes,
  services,
  plugin,
  api: apiRoutes,
  commands: registerCommands,
  admin: eventsAdmin,
});
