import type { FastifyInstance } from 'fastify';
import { definePackage, type ServiceDeps } from '../../core/package.ts';
import { auditAdmin } from './admin.ts';
import { apiRoutes } from './api-routes.ts';
import { registerCommands } from './cli.ts';
import { createAuditService } from './service.ts';

export type { AuditService } from './service.ts';

function services({ db, now }: ServiceDeps) {
  return { audit: createAuditService(db, { now }) };
}

declare module '../../core/package.ts' {
  interface Services {
    audit: ReturnType<typeof services>['audit'];
  }
}

const PRUNE_EVERY_MS = 60 * 60_000;

/** Entries past ENDPOINT_AUDIT_RETENTION are pruned while the server runs. */
async function plugin(app: FastifyInstance): Promise<void> {
  const prune = setInterval(() => {
    app.audit
      .prune(app.config.auditRetentionMs)
      .catch((error) => app.log.warn({ err: error }, 'pruning the audit trail failed'));
  }, PRUNE_EVERY_MS);
  prune.unref();
  app.addHook('onClose', async () => clearInterval(prune));
}

export default definePackage({
  name: 'audit',
  migrations: new URL('./migrations/', import.meta.url),
  permissions: {
    'audit.view': 'See the audit trail: who changed what, and every login',
  },
  services,
  plugin,
  api: apiRoutes,
  admin: [auditAdmin],
  commands: registerCommands,
});
