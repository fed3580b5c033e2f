import type { FastifyInstance } from 'fastify';
import type { AdminModel } from '../../../core/admin.ts';
import { adminContext } from '../context.ts';
import { modelPath, renderAdminPage } from '../render.ts';

/** `GET /admin`: every model the caller may view, grouped by package, with counts. */
export async function indexPage(app: FastifyInstance): Promise<void> {
  app.get('/admin', { config: { permission: 'admin.access' }, schema: { hide: true } }, async (request, reply) => {
    const context = await adminContext(request);
    const visible: { pkg: string; model: AdminModel }[] = [];
    for (const pkg of app.adminModels) {
      for (const model of pkg.models)
        if (await context.can(model.permissions.view)) visible.push({ pkg: pkg.name, model });
    }
    // Counted side by side rather than one after another.
    const counts = await Promise.all(visible.map(({ model }) => model.count(context)));
    const packages: { name: string; models: { label: string; href: string; count: number }[] }[] = [];
    visible.forEach(({ pkg, model }, index) => {
      if (packages.at(-1)?.name !== pkg) packages.push({ name: pkg, models: [] });
      packages.at(-1)?.models.push({ label: model.label, href: modelPath(pkg, model), count: counts[index] });
    });
    return renderAdminPage(reply, 'packages/admin/templates/index.eta', { title: 'Admin', packages });
  });
}
