import type { Actor } from '../../core/actor.ts';
import { inTransaction, isUniqueViolation, nowIso } from '../../core/db.ts';
import type { Page, Paged } from '../../core/paging.ts';
import { type HookWithSecret, hookRowToHook } from './api-objects.ts';
import { type HooksContext, hookByName } from './context.ts';
import { HookNotFoundError, HookTakenError, InvalidHookError } from './errors.ts';
import { checkedMode, checkHandler, checkLegacyPath, checkName } from './hook-rules.ts';
import { checkedSecret, onlySecret } from './hook-secrets.ts';
import * as repository from './repository.ts';
import type { Hook } from './schemas.ts';
import type { HookRow, HookRowUpdate } from './table.ts';

export interface NewHook {
  name: string;
  handler: string;
  verify: string;
  /** The signing secret; generated when absent, except for Twilio whose auth token it must be. */
  secret?: string;
  legacyPath?: string;
}

export interface HookChanges {
  handler?: string;
  /** null removes the legacy path. */
  legacyPath?: string | null;
  /**
   * A new verification mode. Its secret (given, or generated as at creation) replaces every old
   * one at once: an old secret belongs to the old scheme, so an overlap would verify nothing.
   */
  verify?: string;
  /** Only with a new verification mode; a hook's secret is otherwise changed by rotating it. */
  secret?: string;
}

/** A hook as the audit trail shows it: never its secrets. */
function hookFields(row: HookRow) {
  return { handler: row.handler, verify: row.verify_mode, legacy_path: row.legacy_path };
}

/** Making, reading, changing and removing hooks. */
export function createHookAdmin(context: HooksContext) {
  const { db, audit, secretBox, handlers, now } = context;

  /** Throws HookTakenError when another hook than `ownId` answers at the path. */
  async function checkPathFree(path: string | null | undefined, ownId: number | undefined): Promise<void> {
    if (!path) return;
    const holder = await repository.findHookByLegacyPath(db, path);
    if (holder && holder.id !== ownId) throw new HookTakenError(`path "${path}"`);
  }

  return {
    /** Creates a hook; `generatedSecret` is the plaintext when it was generated here, to be shown once. */
    async createHook(actor: Actor, input: NewHook): Promise<HookWithSecret> {
      checkName(input.name);
      checkHandler(input.handler, handlers);
      if (input.legacyPath !== undefined) checkLegacyPath(input.legacyPath);
      const mode = checkedMode(input.verify);
      const { secret, generated } = checkedSecret(mode, input.secret);
      if (await repository.findHookByName(db, input.name)) throw new HookTakenError(`hook name "${input.name}"`);
      await checkPathFree(input.legacyPath, undefined);
      try {
        const row = await inTransaction(db, async (trx) => {
          const inserted = await repository.insertHook(trx, {
            name: input.name,
            handler: input.handler,
            verify_mode: mode,
            secrets: onlySecret(secret === undefined ? undefined : secretBox.seal(secret)),
            legacy_path: input.legacyPath ?? null,
            created_at: nowIso(now()),
          });
          await audit.record(trx, actor, {
            action: 'hook.created',
            target: `hook:${inserted.name}`,
            summary: { hook_id: inserted.id, after: hookFields(inserted) },
          });
          return inserted;
        });
        return { hook: hookRowToHook(row), generatedSecret: generated ? secret : undefined };
      } catch (error) {
        // Another request took the name or path between the checks above and the insert.
        if (isUniqueViolation(error)) throw new HookTakenError(`hook name "${input.name}" or path`);
        throw error;
      }
    },

    /** Changes a hook's handler, legacy path or verification mode; its name stays (senders call it). */
    async updateHook(actor: Actor, name: string, changes: HookChanges): Promise<HookWithSecret> {
      const row = await hookByName(context, name);
      if (changes.handler !== undefined) checkHandler(changes.handler, handlers);
      if (changes.legacyPath) checkLegacyPath(changes.legacyPath);
      const update: HookRowUpdate = {};
      let generatedSecret: string | undefined;
      const mode = changes.verify === undefined ? row.verify_mode : checkedMode(changes.verify);
      if (mode !== row.verify_mode) {
        const { secret, generated } = checkedSecret(mode, changes.secret);
        update.verify_mode = mode;
        update.secrets = onlySecret(secret === undefined ? undefined : secretBox.seal(secret));
        if (generated) generatedSecret = secret;
      } else if (changes.secret !== undefined) {
        throw new InvalidHookError('a secret changes by rotating it, or along with a new verification mode');
      }
      if (changes.handler !== undefined) update.handler = changes.handler;
      if (changes.legacyPath !== undefined) {
        await checkPathFree(changes.legacyPath, row.id);
        update.legacy_path = changes.legacyPath;
      }
      if (Object.keys(update).length === 0) return { hook: hookRowToHook(row), generatedSecret };
      try {
        const updated = await inTransaction(db, async (trx) => {
          const changed = await repository.updateHook(trx, row.id, update);
          if (!changed) throw new HookNotFoundError(name);
          await audit.record(trx, actor, {
            action: 'hook.updated',
            target: `hook:${name}`,
            summary: {
              hook_id: row.id,
              before: hookFields(row),
              after: hookFields(changed),
              ...(update.secrets !== undefined && { secret: 'changed' }),
            },
          });
          return changed;
        });
        return { hook: hookRowToHook(updated), generatedSecret };
      } catch (error) {
        if (isUniqueViolation(error)) throw new HookTakenError(`path "${changes.legacyPath}"`);
        throw error;
      }
    },

    async listHooks(page: Page): Promise<Paged<Hook>> {
      const { rows, total } = await repository.listHooks(db, page);
      return { items: rows.map(hookRowToHook), total, ...page };
    },

    async getHook(name: string): Promise<Hook> {
      return hookRowToHook(await hookByName(context, name));
    },

    /** The hook with this id; throws HookNotFoundError. */
    async getHookById(id: number): Promise<Hook> {
      const row = await repository.findHookById(db, id);
      if (!row) throw new HookNotFoundError();
      return hookRowToHook(row);
    },

    /** The handlers a hook may name, by name, with what each does. */
    listHandlers(): { name: string; description: string }[] {
      return [...handlers].map(([name, handler]) => ({ name, description: handler.description }));
    },

    /** Removes a hook and every delivery it holds. */
    async removeHook(actor: Actor, name: string): Promise<void> {
      await inTransaction(db, async (trx) => {
        const row = await repository.findHookByName(trx, name);
        if (!row || !(await repository.deleteHookByName(trx, name))) throw new HookNotFoundError(name);
        await audit.record(trx, actor, {
          action: 'hook.deleted',
          target: `hook:${name}`,
          summary: { hook_id: row.id, before: hookFields(row) },
        });
      });
    },
  };
}
