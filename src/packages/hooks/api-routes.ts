import type { FastifyInstance } from 'fastify';
import { apiDeliveries } from './routes/api-deliveries.ts';
import { apiHooks } from './routes/api-hooks.ts';

/**
 * The hooks package's REST API under /api/v1. Each route declares its permission in its config;
 * the /api scope checks it before the input is read, so callers without it get 401/403, never a 400.
 */
export async function apiRoutes(app: FastifyInstance): Promise<void> {
  await app.register(apiHooks);
  await app.register(apiDeliveries);
}
