import type { FastifyInstance } from 'fastify';
import { loginPage } from './routes/page-login.ts';
import { logoutPage } from './routes/page-logout.ts';
import { setupPage } from './routes/page-setup.ts';

/** The users package's HTML pages; each file under routes/ holds one page's GET and POST. */
export async function pageRoutes(app: FastifyInstance): Promise<void> {
  await app.register(loginPage);
  await app.register(logoutPage);
  await app.register(setupPage);
}
