import { Type } from 'typebox';
import type { EventType } from '../../core/events.ts';

/** The hooks package's outbound events: never a delivery's body or headers, which may hold anything. */
export const hooksEventTypes: Record<string, EventType> = {
  'hook.delivery.failed': {
    description: "A hook delivery's handler failed on every attempt (ENDPOINT_HOOK_MAX_ATTEMPTS); it is kept as failed",
    data: Type.Object({
      id: Type.Integer(),
      hook: Type.String(),
      external_id: Type.String(),
      attempts: Type.Integer(),
      error: Type.Union([Type.String(), Type.Null()]),
    }),
    permission: 'hooks.view',
  },
};
