import { definePackage } from '../../core/package.ts';
import { pageRoutes } from './page-routes.ts';

export default definePackage({
  name: 'public',
  pages: pageRoutes,
});
