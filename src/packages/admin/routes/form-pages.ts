import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AdminContext, AdminForm, AdminModel } from '../../../core/admin.ts';
import { HttpError } from '../../../core/http-errors.ts';
import { adminContext, findModel, requireOperation } from '../context.ts';
import { type FormField, fieldErrors, formFields, parsePosted, withValues } from '../form-fields.ts';
import { asOneChange } from '../one-change.ts';
import { finish, formRefusal } from '../outcome.ts';
import { type Crumb, modelCrumbs, modelPath, renderAdminPage, rowTitle } from '../render.ts';
import { FormBodySchema, ModelParamsSchema, RowParamsSchema } from '../schemas.ts';
import { getRow } from './detail-page.ts';

interface FormPage {
  title: string;
  crumbs: Crumb[];
  action: string;
  submit: string;
  cancel: string;
}

function renderForm(
  reply: FastifyReply,
  page: FormPage,
  fields: FormField[],
  options: { status?: number; errors?: Map<string, string>; error?: string } = {},
): FastifyReply {
  return renderAdminPage(reply, 'packages/admin/templates/form.eta', {
    ...page,
    status: options.status ?? 200,
    error: options.error,
    fields: fields.map((field) => ({ ...field, checked: [...field.checked], error: options.errors?.get(field.name) })),
  });
}

/**
 * Reads a posted form against the model's schema and runs the write: on a schema error or a
 * refusal the service answers with a 400 or 409, the form comes back with what was typed and the
 * message by its field; a 403 or 404 is an error page.
 */
async function submit(
  reply: FastifyReply,
  page: FormPage,
  form: AdminForm,
  body: Record<string, string | string[]>,
  context: AdminContext,
  write: (values: Record<string, unknown>) => Promise<FastifyReply>,
): Promise<FastifyReply> {
  const fields = await formFields(form, context);
  const values = parsePosted(fields, form.schema, body);
  const typed = withValues(fields, values);
  const errors = fieldErrors(fields, form.schema, values);
  if (errors.size > 0) return renderForm(reply, page, typed, { status: 400, errors });
  try {
    return await write(values);
  } catch (error) {
    const refusal = formRefusal(error);
    if (!refusal) throw error;
    const byField = refusal.field ? new Map([[refusal.field, refusal.message]]) : undefined;
    return renderForm(reply, page, typed, {
      status: refusal.status,
      errors: byField,
      error: byField ? undefined : refusal.message,
    });
  }
}

function capital(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

function requireForm<F>(form: F | undefined): F {
  if (!form) throw new HttpError('not_found', 'no such admin page');
  return form;
}

function addPage(pkg: string, model: AdminModel): FormPage {
  const base = modelPath(pkg, model);
  return {
    title: `Add ${model.singular}`,
    crumbs: modelCrumbs(pkg, model),
    action: `${base}add`,
    submit: `Create ${model.singular}`,
    cancel: base,
  };
}

async function editPage(pkg: string, model: AdminModel, id: number, context: AdminContext): Promise<FormPage> {
  const row = await getRow(model, id, context);
  const at = `${modelPath(pkg, model)}${id}`;
  return {
    title: `Change ${model.singular} ${rowTitle(model, row)}`,
    crumbs: modelCrumbs(pkg, model, row),
    action: `${at}/edit`,
    submit: 'Save',
    cancel: at,
  };
}

/** `/admin/:pkg/:model/add` and `/admin/:pkg/:model/:id/edit`: the model's forms, GET to show and POST to save. */
export async function formPages(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const config = { permission: 'admin.access' };

  app.get(
    '/admin/:pkg/:model/add',
    { config, schema: { hide: true, params: ModelParamsSchema } },
    async (request, reply) => {
      const { pkg } = request.params;
      const model = findModel(request, pkg, request.params.model);
      const create = requireForm(model.create);
      const context = await adminContext(request);
      await requireOperation(model, 'add', context);
      const fields = await formFields(create.form, context);
      const initial = (await create.form.initial?.(undefined, context)) ?? {};
      return renderForm(reply, addPage(pkg, model), withValues(fields, initial));
    },
  );

  app.post(
    '/admin/:pkg/:model/add',
    { config, schema: { hide: true, params: ModelParamsSchema, body: FormBodySchema } },
    async (request, reply) => {
      const { pkg } = request.params;
      const model = findModel(request, pkg, request.params.model);
      const create = requireForm(model.create);
      const context = await adminContext(request);
      await requireOperation(model, 'add', context);
      const page = addPage(pkg, model);
      return submit(reply, page, create.form, request.body, context, async (values) => {
        const outcome = await asOneChange(context, (inside) => create.run(values, inside));
        const to = `${modelPath(pkg, model)}${outcome.id}`;
        return finish(reply, outcome, to, `${capital(model.singular)} created.`, page);
      });
    },
  );

  app.get(
    '/admin/:pkg/:model/:id/edit',
    { config, schema: { hide: true, params: RowParamsSchema } },
    async (request, reply) => {
      const { pkg, id } = request.params;
      const model = findModel(request, pkg, request.params.model);
      const update = requireForm(model.update);
      const context = await adminContext(request);
      await requireOperation(model, 'change', context);
      const page = await editPage(pkg, model, id, context);
      const fields = await formFields(update.form, context);
      const initial = (await update.form.initial?.(id, context)) ?? (await getRow(model, id, context));
      return renderForm(reply, page, withValues(fields, initial));
    },
  );

  app.post(
    '/admin/:pkg/:model/:id/edit',
    { config, schema: { hide: true, params: RowParamsSchema, body: FormBodySchema } },
    async (request, reply) => {
      const { pkg, id } = request.params;
      const model = findModel(request, pkg, request.params.model);
      const update = requireForm(model.update);
      const context = await adminContext(request);
      await requireOperation(model, 'change', context);
      const page = await editPage(pkg, model, id, context);
      return submit(reply, page, update.form, request.body, context, async (values) => {
        const outcome = await asOneChange(context, (inside) => update.run(id, values, inside));
        return finish(reply, outcome, page.cancel, `${capital(model.singular)} saved.`, page);
      });
    },
  );
}
