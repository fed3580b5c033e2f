import type { Db } from '../../core/db.ts';
import type { HookHandler } from '../../core/hook-handlers.ts';
import type { AuditService } from '../audit/index.ts';
import { HookNotFoundError } from './errors.ts';
import * as repository from './repository.ts';
import type { SecretBox } from './secret-box.ts';
import type { HookRow } from './table.ts';
import type { TokenCheck } from './verify/scheme.ts';

/** What every part of the hooks service shares: createHooksService's options, defaults filled in. */
export interface HooksContext {
  db: Db;
  audit: AuditService;
  secretBox: SecretBox;
  /** The handlers a hook may name, from every package. */
  handlers: ReadonlyMap<string, HookHandler>;
  tokenMayCall: TokenCheck | undefined;
  /** Wakes this process's worker for a delivery due at once. */
  onPending: (() => void) | undefined;
  leaseMs: number;
  now: () => Date;
}

/** The named hook's row; throws HookNotFoundError. */
export async function hookByName({ db }: HooksContext, name: string): Promise<HookRow> {
  const row = await repository.findHookByName(db, name);
  if (!row) throw new HookNotFoundError(name);
  return row;
}
