import type { Db } from '../../core/db.ts';
import type { HookHandler } from '../../core/hook-handlers.ts';
import type { AuditService } from '../audit/index.ts';
import type { HooksContext } from './context.ts';
import { createDeliveries } from './deliveries.ts';
import { createHookAdmin } from './hook-admin.ts';
import { createHookSecrets } from './hook-secrets.ts';
import { createReceiving } from './receiving.ts';
import { createRefusedCallRecorder, type RefusedCallRecorder } from './refused-calls.ts';
import { createRefusedCalls } from './refused-list.ts';
import type { SecretBox } from './secret-box.ts';
import type { TokenCheck } from './verify/scheme.ts';

export interface HooksServiceOptions {
  /** Where hook changes, secret rotations and replays are recorded. */
  audit: AuditService;
  secretBox: SecretBox;
  /** The handlers a hook may name, from every package. */
  handlers: ReadonlyMap<string, HookHandler>;
  /**
   * Whether an API token may call `token` hooks (app.tokens and the owner's permissions); without
   * it, as in the CLI, every token call is refused.
   */
  tokenMayCall?: TokenCheck;
  /** Called when a delivery becomes due at once (stored, replayed): wakes this process's worker. */
  onPending?: () => void;
  /** How long a delivery stored claimed for an inline handler stays claimed (the worker's lease). */
  leaseMs?: number;
  now?: () => Date;
  /** Where refused calls are kept until written; the server's runs on a timer (index.ts), else one flushed by hand. */
  refusedCalls?: RefusedCallRecorder;
}

const DEFAULT_REFUSED_RETENTION_MS = 7 * 86_400_000;

/**
 * The hooks service, one part per action sharing one context: hook admin (hook-admin.ts),
 * secrets (hook-secrets.ts), receiving (receiving.ts), deliveries and replay (deliveries.ts),
 * refused calls (refused-list.ts).
 */
export function createHooksService(db: Db, options: HooksServiceOptions) {
  const { audit, secretBox, handlers, tokenMayCall, onPending, leaseMs = 300_000, now = () => new Date() } = options;
  const context: HooksContext = { db, audit, secretBox, handlers, tokenMayCall, onPending, leaseMs, now };
  const recorder =
    options.refusedCalls ??
    createRefusedCallRecorder(db, {
      retentionMs: DEFAULT_REFUSED_RETENTION_MS,
      flushMs: 1000,
      now,
      onError: () => {},
    });
  return {
    ...createHookAdmin(context),
    ...createHookSecrets(context),
    ...createReceiving(context),
    ...createDeliveries(context),
    ...createRefusedCalls(context, recorder),
  };
}

export type HooksService = ReturnType<typeof createHooksService>;
