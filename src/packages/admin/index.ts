import type { FastifyInstance } from 'fastify';
import { definePackage } from '../../core/package.ts';
import { adminLink } from './admin-link.ts';
import { confirmPages } from './routes/confirm-pages.ts';
import { detailPage } from './routes/detail-page.ts';
import { formPages } from './routes/form-pages.ts';
import { indexPage } from './routes/index-page.ts';
import { listPage } from './routes/list-page.ts';

// Packages render their own pages under /admin/<package>/... with the admin's layout.
export { setFlash } from './flash.ts';
export { type Crumb, renderAdminPage } from './render.ts';

async function pages(app: FastifyInstance): Promise<void> {
  await app.register(indexPage);
  await app.register(listPage);
  await app.register(detailPage);
  await app.register(formPages);
  await app.register(confirmPages);
}

export default definePackage({
  name: 'admin',
  permissions: { 'admin.access': 'Use the admin at /admin (each page also needs its own permission)' },
  plugin: adminLink,
  pages,
});
