import type { FastifyInstance } from 'fastify';
import type { Db } from '../../src/core/db.ts';

/** Creates a hook through the service (what the CLI calls) and returns its secret. */
export async function addHook(
  app: FastifyInstance,
  name: string,
  verify: string,
  secret?: string,
): Promise<{ id: number; secret: string }> {
  const { hook, generatedSecret } = await app.hooks.createHook({ name, handler: 'inbox', verify, secret });
  const kept = generatedSecret ?? secret;
  if (kept === undefined) throw new Error('a hook without a secret');
  return { id: hook.id, secret: kept };
}

/** Every stored delivery of a hook, oldest first. */
export function storedDeliveries(db: Db, hookId: number) {
  return db.selectFrom('hook_deliveries').selectAll().where('hook_id', '=', hookId).orderBy('id').execute();
}

/** POSTs raw bytes to a hook with the given headers. */
export function postHook(
  baseUrl: string,
  path: string,
  body: string | Uint8Array,
  headers: Record<string, string>,
): Promise<Response> {
  return fetch(baseUrl + path, { method: 'POST', body, headers });
}
