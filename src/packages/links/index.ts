import { definePackage } from '../../core/package.ts';
import { linkAdmin } from './admin.ts';
import { linksEventTypes } from './events.ts';
import { pageRoutes } from './page-routes.ts';
import { twilioSmsHandler } from './twilio-sms-handler.ts';

export default definePackage({
  name: 'links',
  migrations: new URL('./migrations/', import.meta.url),
  pages: pageRoutes,
  permissions: { 'links.view': 'See the link archive in the admin' },
  hooks: { 'links.twilio-sms': twilioSmsHandler },
  admin: [linkAdmin],
  events: linksEventTypes,
});
