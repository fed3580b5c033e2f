import type { HookHandler } from '../../core/hook-handlers.ts';

/** `inbox`: keeps deliveries for whoever reads them through the API; nothing runs on them. */
export const inboxHandler: HookHandler = {
  description: 'store only; read deliveries through the API',
  handle: async () => undefined,
};
