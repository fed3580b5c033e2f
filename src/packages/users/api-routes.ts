import type { FastifyInstance } from 'fastify';
import { requireUser } from '../../core/auth.ts';
import { apiAuth } from './routes/api-auth.ts';
import { apiGroups } from './routes/api-groups.ts';
import { apiMemberships } from './routes/api-memberships.ts';
import { apiPermissions } from './routes/api-permissions.ts';
import { apiUserChanges } from './routes/api-user-changes.ts';
import { apiUsers } from './routes/api-users.ts';

/** The users package's REST API under /api/v1; each file under routes/ holds one resource's routes. */
export async function apiRoutes(app: FastifyInstance): Promise<void> {
  await app.register(apiAuth);
  await app.register(async (signedIn) => {
    // Who the caller is is settled before their input is read, so anonymous callers always get
    // 401 (and callers without the permission 403, from each route's guard) rather than a 400.
    signedIn.addHook('preValidation', async (request) => {
      requireUser(request);
    });
    await signedIn.register(apiUsers);
    await signedIn.register(apiUserChanges);
    await signedIn.register(apiGroups);
    await signedIn.register(apiMemberships);
    await signedIn.register(apiPermissions);
  });
}
