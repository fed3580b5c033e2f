import { definePackage } from '../../core/package.ts';
import { pageRoutes } from './page-routes.ts';
import { twilioSmsHandler } from './twilio-sms-handler.ts';

export default definePackage({
  name: 'links',
  migrations: new URL('./migrations/', import.meta.url),
  pages: pageRoutes,
  hooks: { 'links.twilio-sms': twilioSmsHandler },
});
