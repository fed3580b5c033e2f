import type { FastifyInstance } from 'fastify';
import { apiDeliveries } from './routes/api-deliveries.ts';
import { apiHooks } from './routes/api-hooks.ts';

/**
 * The hooks package's REST API under /api/v1. Each route guards itself with its own permission
 * in preValidation, so callers without it get 401/403 before their input is read, never a 400.
 */
export async function apiRoutes(app: FastifyInstance): Promise<void> {
  await app.register(apiHooks);
  await app.register(apiDeliveries);
}
