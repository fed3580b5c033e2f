import type { FastifyInstance } from 'fastify';

export const PASSWORD = 'correct horse battery staple';

/** Creates a user through the service (what the CLI and API also call), optionally in groups. */
export async function createUser(
  app: FastifyInstance,
  username: string,
  options: { groups?: string[]; permissions?: string[]; password?: string; active?: boolean } = {},
) {
  const user = await app.users.createUser({ username, password: options.password ?? PASSWORD, active: options.active });
  for (const name of options.groups ?? []) {
    const group = await app.users.getGroupByName(name).catch(() => app.users.createGroup({ name }));
    await app.users.addMember(group.id, user.id);
    for (const permission of options.permissions ?? []) await app.users.grant(group.id, permission);
  }
  return user;
}
