import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { safeNextPath } from '../../../core/safe-next-path.ts';
import { InvalidCredentialsError, LoginThrottledError } from '../errors.ts';
import { logIn } from '../session-cookie.ts';

const TEMPLATE = 'packages/users/templates/login.eta';

const LoginQuerySchema = Type.Object({ next: Type.Optional(Type.String()) });

// Fields are optional here so a blank form comes back as the form with a message, not an error page.
const LoginBodySchema = Type.Object({
  username: Type.Optional(Type.String({ maxLength: 150 })),
  password: Type.Optional(Type.String({ maxLength: 1024 })),
  _csrf: Type.Optional(Type.String()),
});

interface LoginForm {
  next: string;
  username?: string;
  error?: string;
}

/** The form posts back to itself with `next` in the query, so it survives without JavaScript. */
function renderForm(reply: FastifyReply, status: number, form: LoginForm): FastifyReply {
  const action = form.next === '/' ? '/user/login' : `/user/login?next=${encodeURIComponent(form.next)}`;
  return reply.code(status).view(TEMPLATE, {
    principal: reply.request.principal,
    csrfToken: reply.generateCsrf(),
    action,
    username: form.username ?? '',
    error: form.error,
  });
}

function throttledMessage(error: LoginThrottledError): string {
  const minutes = Math.max(1, Math.ceil(error.retryAfterSeconds / 60));
  return `Too many failed logins, try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

export async function loginPage(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/user/login',
    { config: { public: true }, schema: { hide: true, querystring: LoginQuerySchema } },
    async (request, reply) => {
      const next = safeNextPath(request.query.next);
      if (request.principal.kind === 'user') return reply.redirect(next, 303);
      return renderForm(reply, 200, { next });
    },
  );

  app.post(
    '/user/login',
    { config: { public: true }, schema: { hide: true, querystring: LoginQuerySchema, body: LoginBodySchema } },
    async (request, reply) => {
      const next = safeNextPath(request.query.next);
      const { username = '', password = '' } = request.body ?? {};
      if (!username || !password) {
        return renderForm(reply, 400, { next, username, error: 'Enter your username and password.' });
      }
      try {
        await logIn(request, reply, username, password);
      } catch (error) {
        // One message whether the user is missing, inactive or the password is wrong.
        if (error instanceof InvalidCredentialsError) {
          return renderForm(reply, 401, { next, username, error: 'Invalid username or password.' });
        }
        if (error instanceof LoginThrottledError) {
          reply.headers(error.headers);
          return renderForm(reply, 429, { next, username, error: throttledMessage(error) });
        }
        throw error;
      }
      return reply.redirect(next, 303);
    },
  );
}
