import { createHash, timingSafeEqual } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { Actor } from '../../../core/actor.ts';
import { HttpError } from '../../../core/http-errors.ts';
import { GroupNameTakenError, GroupNotFoundError, WeakPasswordError } from '../errors.ts';
import { ADMIN_GROUP, type UsersService } from '../service.ts';
import { logIn } from '../session-cookie.ts';

const TEMPLATE = 'packages/users/templates/setup.eta';

const SetupQuerySchema = Type.Object({ token: Type.Optional(Type.String({ maxLength: 256 })) });

const SetupBodySchema = Type.Object({
  token: Type.Optional(Type.String({ maxLength: 256 })),
  username: Type.Optional(Type.String({ maxLength: 150 })),
  password: Type.Optional(Type.String({ maxLength: 1024 })),
  password_again: Type.Optional(Type.String({ maxLength: 1024 })),
  _csrf: Type.Optional(Type.String()),
});

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Throws 404 unless /setup is open: a setup token was issued, it matches, and no user exists yet.
 * Digests have equal lengths, so the comparison takes the same time however much of the token is right.
 */
async function assertSetupOpen(app: FastifyInstance, token: string | undefined): Promise<void> {
  const expected = app.setupToken;
  const matches = expected !== undefined && token !== undefined && timingSafeEqual(sha256(token), sha256(expected));
  if (!matches || (await app.users.countUsers()) !== 0) throw new HttpError('not_found');
}

async function adminGroupId(users: UsersService, operator: Actor): Promise<number> {
  try {
    return (await users.getGroupByName(ADMIN_GROUP)).id;
  } catch (error) {
    if (!(error instanceof GroupNotFoundError)) throw error;
  }
  try {
    return (await users.createGroup(operator, { name: ADMIN_GROUP })).id;
  } catch (error) {
    if (error instanceof GroupNameTakenError) return (await users.getGroupByName(ADMIN_GROUP)).id;
    throw error;
  }
}

function renderForm(
  reply: FastifyReply,
  status: number,
  form: { token: string; username?: string; error?: string },
): FastifyReply {
  return reply.code(status).view(TEMPLATE, {
    principal: reply.request.principal,
    csrfToken: reply.generateCsrf(),
    token: form.token,
    username: form.username ?? '',
    error: form.error,
  });
}

/** First run: the one who holds the setup token printed at start creates the first admin. */
export async function setupPage(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/setup',
    { config: { public: true }, schema: { hide: true, querystring: SetupQuerySchema } },
    async (request, reply) => {
      const { token } = request.query;
      await assertSetupOpen(instance, token);
      return renderForm(reply, 200, { token: token ?? '' });
    },
  );

  app.post(
    '/setup',
    { config: { public: true }, schema: { hide: true, body: SetupBodySchema } },
    async (request, reply) => {
      const { token, username = '', password = '', password_again: passwordAgain = '' } = request.body ?? {};
      await assertSetupOpen(instance, token);
      const name = username.trim();
      const form = { token: token ?? '', username };
      if (!name || !password) {
        return renderForm(reply, 400, { ...form, error: 'Enter a username and a password.' });
      }
      if (password !== passwordAgain) {
        return renderForm(reply, 400, { ...form, error: 'The two passwords differ.' });
      }
      // Two different usernames posted at the same moment could both pass the count check above
      // and both become admins; only the unique index stops the same name twice. The window is the
      // time one password hash takes, the token holder is the only one who can open it, and the
      // result is one more admin they created themselves, so it is accepted rather than locked.
      // The holder of the setup token is the operator: the first admin is theirs to make.
      const operator: Actor = { kind: 'operator', from: 'setup', address: request.ip };
      let userId: number;
      try {
        userId = (await app.users.createUser(operator, { username: name, password })).id;
      } catch (error) {
        if (!(error instanceof WeakPasswordError)) throw error;
        return renderForm(reply, 400, { ...form, error: `The ${error.message}.` });
      }
      await app.users.addMember(operator, await adminGroupId(app.users, operator), userId);
      await logIn(request, reply, name, password);
      return reply.redirect('/', 303);
    },
  );
}
