import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AdminAction, AdminContext, AdminModel } from '../../../core/admin.ts';
import { HttpError } from '../../../core/http-errors.ts';
import { adminContext, findModel, requireOperation } from '../context.ts';
import { asOneChange } from '../one-change.ts';
import { finish } from '../outcome.ts';
import { modelCrumbs, modelPath, renderAdminPage, rowTitle } from '../render.ts';
import { ActionBodySchema, ActionQuerySchema, ModelParamsSchema, RowParamsSchema } from '../schemas.ts';
import { getRow } from './detail-page.ts';

/** The action by name when the caller may run it: 404 when the model has none such, 403 page without its permission. */
async function requireAction(model: AdminModel, name: string, context: AdminContext): Promise<AdminAction> {
  await requireOperation(model, 'view', context);
  const action = model.actions?.find((candidate) => candidate.name === name);
  if (!action) throw new HttpError('not_found', 'no such action');
  if (!(await context.can(action.permission))) {
    throw new HttpError('forbidden', `requires permission ${action.permission}`);
  }
  return action;
}

/** Whether the row can still be read; a model may answer undefined or throw a 404 for a missing one. */
async function stillThere(model: AdminModel, id: number, context: AdminContext): Promise<boolean> {
  try {
    return (await model.get(id, context)) !== undefined;
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return false;
    throw error;
  }
}

/**
 * Deleting a row and running an action both ask first: a GET shows what will happen on a page
 * whose form posts it (with the CSRF token), so a link alone never changes anything.
 */
export async function confirmPages(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const config = { permission: 'admin.access' };

  app.get(
    '/admin/:pkg/:model/:id/delete',
    { config, schema: { hide: true, params: RowParamsSchema } },
    async (request, reply) => {
      const { pkg, id } = request.params;
      const model = findModel(request, pkg, request.params.model);
      const context = await adminContext(request);
      await requireOperation(model, 'delete', context);
      const row = await getRow(model, id, context);
      return renderAdminPage(reply, 'packages/admin/templates/confirm.eta', {
        title: `Delete ${model.singular} ${rowTitle(model, row)}?`,
        crumbs: modelCrumbs(pkg, model, row),
        text: `This deletes ${model.singular} ${rowTitle(model, row)} for good.`,
        action: `${modelPath(pkg, model)}${id}/delete`,
        hidden: [],
        submit: 'Yes, delete',
        cancel: `${modelPath(pkg, model)}${id}`,
      });
    },
  );

  app.post(
    '/admin/:pkg/:model/:id/delete',
    { config, schema: { hide: true, params: RowParamsSchema } },
    async (request, reply) => {
      const { pkg, id } = request.params;
      const model = findModel(request, pkg, request.params.model);
      const context = await adminContext(request);
      await requireOperation(model, 'delete', context);
      const row = await getRow(model, id, context);
      const remove = model.delete;
      const outcome = remove && (await asOneChange(context, (inside) => remove(id, inside)));
      const message = `${model.singular.charAt(0).toUpperCase()}${model.singular.slice(1)} ${rowTitle(model, row)} deleted.`;
      return finish(reply, outcome ?? {}, modelPath(pkg, model), message, {
        title: model.label,
        crumbs: modelCrumbs(pkg, model),
      });
    },
  );

  app.get(
    '/admin/:pkg/:model/actions',
    { config, schema: { hide: true, params: ModelParamsSchema, querystring: ActionQuerySchema } },
    async (request, reply) => {
      const { pkg } = request.params;
      const model = findModel(request, pkg, request.params.model);
      const context = await adminContext(request);
      const action = await requireAction(model, request.query.action, context);
      const ids = [...new Set(request.query.ids ?? [])];
      const back = request.query.back ?? 'list';
      const base = modelPath(pkg, model);
      if (ids.length === 0) {
        return renderAdminPage(reply, 'packages/admin/templates/confirm.eta', {
          title: action.label,
          crumbs: modelCrumbs(pkg, model),
          text: `Tick the ${model.label.toLowerCase()} to ${action.label.toLowerCase()} on the list first.`,
          cancel: base,
        });
      }
      // One row: named by its title; many: counted, without reading each.
      const one = ids.length === 1 ? await getRow(model, ids[0], context) : undefined;
      return renderAdminPage(reply, 'packages/admin/templates/confirm.eta', {
        title: `${action.label}?`,
        crumbs: modelCrumbs(pkg, model, one),
        text: action.confirm,
        targets: one ? `${model.singular} ${rowTitle(model, one)}` : `${ids.length} ${model.label.toLowerCase()}`,
        action: `${base}actions`,
        hidden: [
          { name: 'action', value: action.name },
          { name: 'back', value: back },
          ...ids.map((id) => ({ name: 'ids', value: String(id) })),
        ],
        submit: `Yes, ${action.label.charAt(0).toLowerCase()}${action.label.slice(1)}`,
        cancel: back === 'row' && one ? `${base}${one.id}` : base,
      });
    },
  );

  app.post(
    '/admin/:pkg/:model/actions',
    { config, schema: { hide: true, params: ModelParamsSchema, body: ActionBodySchema } },
    async (request, reply) => {
      const { pkg } = request.params;
      const model = findModel(request, pkg, request.params.model);
      const context = await adminContext(request);
      const action = await requireAction(model, request.body.action, context);
      const ids = [...new Set(request.body.ids)];
      const outcome = await asOneChange(context, (inside) => action.run(ids, inside));
      const base = modelPath(pkg, model);
      // Back to the row when it is still there (a revoked token is not), else to the list.
      const row = request.body.back === 'row' && ids.length === 1 ? await stillThere(model, ids[0], context) : false;
      const to = row ? `${base}${ids[0]}` : base;
      return finish(reply, outcome, to, `${action.label}: done.`, {
        title: action.label,
        crumbs: modelCrumbs(pkg, model),
      });
    },
  );
}
