import type { FastifyRequest } from 'fastify';
import { callerActor } from '../../core/actor.ts';
import type { AdminContext, AdminModel } from '../../core/admin.ts';
import { requireUser } from '../../core/auth.ts';
import { HttpError } from '../../core/http-errors.ts';
import type { Services } from '../../core/package.ts';

/** What a page of the admin does to a model; each needs the model's permission of that name. */
export type AdminOperation = 'view' | 'add' | 'change' | 'delete';

/** The caller's context for a model's callbacks; the caller is logged in (the page guard saw to it). */
export async function adminContext(request: FastifyRequest): Promise<AdminContext> {
  const principal = requireUser(request);
  return {
    // The server decorates every package's service by name.
    services: request.server as unknown as Services,
    actor: await callerActor(request),
    can: (permission) => principal.can(permission),
    db: request.server.db,
    request,
  };
}

/** The model by its package and name; 404 when there is none. */
export function findModel(request: FastifyRequest, pkg: string, name: string): AdminModel {
  const model = request.server.adminModels.find((entry) => entry.name === pkg)?.models.find((m) => m.name === name);
  if (!model) throw new HttpError('not_found', 'no such admin page');
  return model;
}

/** The model's permission for `operation`, or undefined when the model does not offer it. */
export function permissionFor(model: AdminModel, operation: AdminOperation): string | undefined {
  const offered = {
    view: true,
    add: model.create !== undefined,
    change: model.update !== undefined,
    delete: model.delete !== undefined,
  };
  return offered[operation] ? model.permissions[operation] : undefined;
}

/** 404 when the model does not offer `operation`, 403 page when the caller may not do it. */
export async function requireOperation(model: AdminModel, operation: AdminOperation, context: AdminContext) {
  const permission = permissionFor(model, operation);
  if (permission === undefined) throw new HttpError('not_found', 'no such admin page');
  if (!(await context.can(permission))) throw new HttpError('forbidden', `requires permission ${permission}`);
}

/** What the caller may do to the model, for showing only the controls they may use. */
export async function allowedOperations(model: AdminModel, context: AdminContext) {
  const may = async (operation: AdminOperation) => {
    const permission = permissionFor(model, operation);
    return permission !== undefined && (await context.can(permission));
  };
  const actions = [];
  for (const action of model.actions ?? []) if (await context.can(action.permission)) actions.push(action);
  return { add: await may('add'), change: await may('change'), delete: await may('delete'), actions };
}
