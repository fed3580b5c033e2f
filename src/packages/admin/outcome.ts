import type { FastifyReply } from 'fastify';
import { AdminFieldError, type AdminOutcome } from '../../core/admin.ts';
import { HttpError } from '../../core/http-errors.ts';
import { setFlash } from './flash.ts';
import { type Crumb, renderAdminPage } from './render.ts';

/**
 * Where a write ends: a value shown once on this very answer (never in a redirect or a flash, so
 * it is gone on the next page), or a redirect to `to` with the outcome's message.
 */
export function finish(
  reply: FastifyReply,
  outcome: AdminOutcome,
  to: string,
  fallback: string,
  page: { title: string; crumbs: Crumb[] },
): FastifyReply {
  if (outcome.reveal) {
    return renderAdminPage(reply, 'packages/admin/templates/reveal.eta', {
      ...page,
      message: outcome.message ?? fallback,
      reveal: outcome.reveal,
      next: to,
    });
  }
  setFlash(reply.request, reply, outcome.message ?? fallback);
  return reply.redirect(to, 303);
}

/**
 * What a refused write shows on its form: a message by a field, or one above the form, with the
 * status to answer. Undefined for errors that are a page of their own (401, 403, 404) or a bug.
 */
export function formRefusal(error: unknown): { field?: string; message: string; status: number } | undefined {
  if (error instanceof AdminFieldError) return { field: error.field, message: error.message, status: 400 };
  if (error instanceof HttpError && (error.status === 400 || error.status === 409)) {
    const message = error.detail ?? error.message;
    return { message: `${message.charAt(0).toUpperCase()}${message.slice(1)}.`, status: error.status };
  }
  return undefined;
}
