import type { FastifyInstance } from 'fastify';
import type { Db } from '../../core/db.ts';
import { definePackage, type ServiceDeps } from '../../core/package.ts';
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

// The admin's writes run over one transaction with every service built over it (one-change.ts).
function services({ servicesOver }: ServiceDeps) {
  return { adminServicesOver: servicesOver };
}

declare module '../../core/package.ts' {
  interface Services {
    adminServicesOver: (db: Db) => Services;
  }
}

export default definePackage({
  name: 'admin',
  permissions: { 'admin.access': 'Use the admin at /admin (each page also needs its own permission)' },
  services,
  plugin: adminLink,
  pages,
});
