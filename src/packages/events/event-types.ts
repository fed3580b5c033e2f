import { Type } from 'typebox';
import type { EventType } from '../../core/events.ts';

/** The event types the events package emits itself. */
export const eventsEventTypes: Record<string, EventType> = {
  ping: {
    description: 'A test message, sent by POST /api/v1/subscriptions/:id/test to that subscription only',
    data: Type.Object({ subscription_id: Type.Integer() }),
  },
  'subscription.disabled': {
    description: 'A subscription was disabled: by hand, on a 410 from its receiver, or after failing for 5 days',
    data: Type.Object({
      id: Type.Integer(),
      url: Type.String(),
      reason: Type.Union([Type.Literal('gone'), Type.Literal('failing'), Type.Literal('by hand')]),
    }),
    permission: 'subscriptions.view',
  },
};
