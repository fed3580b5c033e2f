import type { FastifyInstance } from 'fastify';
import type { Actor } from '../../src/packages/users/service.ts';
import { Client } from './http.ts';

export const PASSWORD = 'correct horse battery staple';

/** The service's actor for changes made as the operator (what the CLI passes): bound by no rule. */
export const OPERATOR = { kind: 'operator', from: 'cli' } as const satisfies Actor;

/** A user as the services' rules see them acting from a request, holding `holds`. */
export function userActor(user: { id: number; username: string }, holds: Iterable<string> = []) {
  return { kind: 'user', userId: user.id, username: user.username, holds: new Set(holds) } as const satisfies Actor;
}

/** Creates a user through the service (what the CLI and API also call), optionally in groups. */
export async function createUser(
  app: FastifyInstance,
  username: string,
  options: { groups?: string[]; permissions?: string[]; password?: string; active?: boolean } = {},
) {
  const user = await app.users.createUser(OPERATOR, {
    username,
    password: options.password ?? PASSWORD,
    active: options.active,
  });
  for (const name of options.groups ?? []) {
    const group = await app.users.getGroupByName(name).catch(() => app.users.createGroup(OPERATOR, { name }));
    await app.users.addMember(OPERATOR, group.id, user.id);
    for (const permission of options.permissions ?? []) await app.users.grant(OPERATOR, group.id, permission);
  }
  return user;
}

/** Clients of a server for three callers: `root` in group admin, `nobody` holding nothing, and no one. */
export async function adminNobodyAnonymous(server: { app: FastifyInstance; url: string }) {
  await createUser(server.app, 'root', { groups: ['admin'] });
  await createUser(server.app, 'nobody');
  const admin = new Client(server.url);
  await admin.login('root', PASSWORD);
  const nobody = new Client(server.url);
  await nobody.login('nobody', PASSWORD);
  return { admin, nobody, anonymous: new Client(server.url) };
}
