import { Type } from 'typebox';
import type { EventType } from '../../core/events.ts';

/** The links package's outbound events. */
export const linksEventTypes: Record<string, EventType> = {
  'link.saved': {
    description: 'A link from a text message was archived (the sender masked, as the archive keeps it)',
    data: Type.Object({
      id: Type.Integer(),
      url: Type.String(),
      sender: Type.String(),
      received_at: Type.String({ format: 'date-time' }),
      delivery_id: Type.Integer(),
    }),
    permission: 'links.view',
  },
};
