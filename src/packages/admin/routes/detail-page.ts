import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AdminContext, AdminModel, AdminRow } from '../../../core/admin.ts';
import { HttpError } from '../../../core/http-errors.ts';
import { adminContext, allowedOperations, findModel, requireOperation } from '../context.ts';
import { modelCrumbs, modelPath, renderAdminPage, rowTitle, showValue } from '../render.ts';
import { RowParamsSchema } from '../schemas.ts';

/** The row, or a 404 page. */
export async function getRow(model: AdminModel, id: number, context: AdminContext): Promise<AdminRow> {
  const row = await model.get(id, context);
  if (!row) throw new HttpError('not_found', `no such ${model.singular}`);
  return row;
}

/** `GET /admin/:pkg/:model/:id`: the row's fields, its sections, and what the caller may do to it. */
export async function detailPage(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/admin/:pkg/:model/:id',
    { config: { permission: 'admin.access' }, schema: { hide: true, params: RowParamsSchema } },
    async (request, reply) => {
      const { pkg, id } = request.params;
      const model = findModel(request, pkg, request.params.model);
      const context = await adminContext(request);
      await requireOperation(model, 'view', context);
      const row = await getRow(model, id, context);
      const [sections, allowed] = await Promise.all([
        model.detailSections?.(row, context) ?? [],
        allowedOperations(model, context),
      ]);
      const base = `${modelPath(pkg, model)}${id}`;
      const fields = model.detailFields ?? model.columns;
      return renderAdminPage(reply, 'packages/admin/templates/detail.eta', {
        title: `${model.singular.charAt(0).toUpperCase()}${model.singular.slice(1)} ${rowTitle(model, row)}`,
        crumbs: modelCrumbs(pkg, model),
        fields: fields.map((field) => ({ label: field.label, text: showValue(row[field.key]) })),
        sections: sections.map((section) => ({
          ...section,
          fields: section.fields?.map((field) => ({
            label: field.label,
            text: showValue(field.value),
            pre: field.pre,
          })),
        })),
        edit: allowed.change ? `${base}/edit` : undefined,
        remove: allowed.delete ? `${base}/delete` : undefined,
        actions: allowed.actions
          .filter((action) => action.row !== false)
          .map((action) => ({
            label: action.label,
            href: `${modelPath(pkg, model)}actions?action=${action.name}&ids=${id}&back=row`,
          })),
      });
    },
  );
}
