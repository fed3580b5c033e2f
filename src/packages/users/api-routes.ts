import type { FastifyInstance } from 'fastify';
import { apiAuth } from './routes/api-auth.ts';
import { apiGroups } from './routes/api-groups.ts';
import { apiMemberships } from './routes/api-memberships.ts';
import { apiPermissions } from './routes/api-permissions.ts';
import { apiUserChanges } from './routes/api-user-changes.ts';
import { apiUsers } from './routes/api-users.ts';

/** The users package's REST API under /api/v1; each file under routes/ holds one resource's routes. */
export async function apiRoutes(app: FastifyInstance): Promise<void> {
  await app.register(apiAuth);
  await app.register(apiUsers);
  await app.register(apiUserChanges);
  await app.register(apiGroups);
  await app.register(apiMemberships);
  await app.register(apiPermissions);
}
