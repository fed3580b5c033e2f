import { Type } from 'typebox';
import type { EventType } from '../../core/events.ts';

/** The tokens package's outbound events: never the token, nor its hash. */
export const tokensEventTypes: Record<string, EventType> = {
  'token.created': {
    description: 'An API token was created (its id, name, owner and scopes; never the token)',
    data: Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      owner_id: Type.Integer(),
      scopes: Type.Array(Type.String()),
      expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    }),
    permission: 'tokens.view',
  },
  'token.revoked': {
    description: 'An API token was revoked',
    data: Type.Object({ id: Type.Integer(), name: Type.String(), owner_id: Type.Integer() }),
    permission: 'tokens.view',
  },
};
