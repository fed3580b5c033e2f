import { isUtf8 } from 'node:buffer';
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { type Db, isForeignKeyViolation, isPostgres, isUniqueViolation, nowIso } from '../../core/db.ts';
import { parseDuration } from '../../core/duration.ts';
import { createGroupCommit } from '../../core/group-commit.ts';
import type { HookHandler } from '../../core/hook-handlers.ts';
import type { Page, Paged } from '../../core/paging.ts';
import {
  DeliveryBusyError,
  DeliveryNotFoundError,
  DeliveryRefusedError,
  HookChangedError,
  HookNotFoundError,
  HookSecretsUnreadableError,
  HookTakenError,
  InvalidDeliveryError,
  InvalidHookError,
} from './errors.ts';
import { keptHeaders } from './kept-headers.ts';
import * as repository from './repository.ts';
import type { Attempt, Delivery, DeliveryDetail, Hook, SecretRotation } from './schemas.ts';
import { type SecretBox, SecretBoxError } from './secret-box.ts';
import { liveSecrets, parseSecrets, rotateSecrets, serializeSecrets } from './secret-list.ts';
import { secretWeakness } from './secret-strength.ts';
import type {
  AttemptRow,
  DeliveryStatus,
  HookRow,
  HookRowUpdate,
  NewDeliveryRow,
  SignatureMode,
  VerifyMode,
} from './table.ts';
import type { RequestHeaders, VerifyResult } from './verify/common.ts';
import { generateStandardSecret } from './verify/standard.ts';
import { type TokenCheck, verifyToken } from './verify/token.ts';
import { verifyDelivery } from './verify/verify-delivery.ts';

export const VERIFY_MODES: readonly VerifyMode[] = ['token', 'standard', 'github', 'twilio', 'stripe'];

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

/** A hook with the secret generated for it, to be shown once; undefined when none was generated. */
export interface HookWithSecret {
  hook: Hook;
  generatedSecret: string | undefined;
}

export interface RotatedSecret extends HookWithSecret {
  /** When the secrets replaced stop verifying; null when they stopped at once. */
  previousExpiresAt: string | null;
}

/** A call to a hook as the route read it. */
export interface IncomingDelivery {
  body: Buffer;
  headers: RequestHeaders;
  contentType: string;
  /** The public URL the sender called, query string included. */
  url: string;
  senderIp: string;
}

export interface ReceivedDelivery {
  id: number;
  status: DeliveryStatus;
  /** True when the hook already held a delivery with this external id: nothing was stored. */
  duplicate: boolean;
  /** Set when the hook's handler answers the sender: a new delivery is then stored already claimed for it. */
  inline?: HookHandler['inline'];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const LEGACY_PATH = /^(\/[A-Za-z0-9_.~-]+)+$/;
// What the external_id column holds; PostgreSQL refuses NUL in text, so it is refused here first.
const EXTERNAL_ID = /^[^\0]{1,255}$/u;
const MAX_SECRET_LENGTH = 1000;
const MAX_LEGACY_PATH_LENGTH = 200;
const DEFAULT_OVERLAP = '24h';
const TOKEN_HAS_NO_SECRET = 'a token hook has no secret: its callers send API tokens with scope hooks.call';
// Long enough to reconfigure any sender; longer would keep a secret believed retired alive.
const MAX_OVERLAP_MS = 30 * 86_400_000;

export function hookRowToHook(row: HookRow): Hook {
  const { id, name, handler, verify_mode, legacy_path, created_at } = row;
  return { id, name, handler, verify: verify_mode, legacy_path, created_at };
}

function deliveryRowToDelivery(row: repository.DeliveryWithHook): Delivery {
  const { id, hook, external_id, status, attempts, received_at, processed_at } = row;
  const { content_type, sender_ip, last_error } = row;
  return {
    id,
    hook,
    external_id,
    status,
    attempts,
    received_at,
    processed_at,
    content_type,
    sender_ip,
    last_error,
  };
}

function attemptRowToAttempt({ attempt, started_at, finished_at, outcome, error }: AttemptRow): Attempt {
  return { attempt, started_at, finished_at, outcome, error };
}

function deliveryRowToDetail(row: repository.DeliveryWithHook, attempts: AttemptRow[]): DeliveryDetail {
  const body = Buffer.from(row.body);
  const text = isUtf8(body);
  return {
    ...deliveryRowToDelivery(row),
    headers: JSON.parse(row.headers),
    body: body.toString(text ? 'utf8' : 'base64'),
    body_encoding: text ? 'utf8' : 'base64',
    attempt_log: attempts.map(attemptRowToAttempt),
  };
}

function generatedSecret(mode: SignatureMode): string | undefined {
  switch (mode) {
    case 'standard':
      return generateStandardSecret();
    case 'github':
      return randomBytes(32).toString('hex');
    case 'stripe':
      return `whsec_${randomBytes(32).toString('base64url')}`;
    case 'twilio':
      return undefined;
  }
}

function checkedMode(verify: string): VerifyMode {
  const mode = VERIFY_MODES.find((known) => known === verify);
  if (mode === undefined) throw new InvalidHookError(`verification mode must be one of ${VERIFY_MODES.join(', ')}`);
  return mode;
}

/** The hook's new secret, given or generated; none for `token` mode, whose callers bring API tokens. */
function checkedSecret(mode: VerifyMode, given: string | undefined): { secret?: string; generated: boolean } {
  if (mode === 'token') {
    if (given !== undefined) throw new InvalidHookError(TOKEN_HAS_NO_SECRET);
    return { generated: false };
  }
  if (given === undefined) {
    const secret = generatedSecret(mode);
    if (secret === undefined) throw new InvalidHookError('a twilio hook needs its secret: the Twilio auth token');
    return { secret, generated: true };
  }
  if (given.trim() === '' || given.length > MAX_SECRET_LENGTH || given.includes('\0')) {
    throw new InvalidHookError(`the secret must be 1 to ${MAX_SECRET_LENGTH} characters, not only spaces`);
  }
  const weakness = secretWeakness(mode, given);
  if (weakness !== undefined) throw new InvalidHookError(weakness);
  return { secret: given, generated: false };
}

/** The overlap in milliseconds: a duration such as `24h` up to 30 days, or zero (`0s`). */
function checkedOverlap(text: string): number {
  const ms = /^0+[smhd]$/.test(text) ? 0 : parseDuration(text);
  if (ms === undefined || ms > MAX_OVERLAP_MS) {
    throw new InvalidHookError(
      'the overlap must be a duration such as 24h of at most 30d, or 0s to drop old secrets now',
    );
  }
  return ms;
}

/** A secrets column holding one current secret, or none. */
function onlySecret(sealed: string | undefined): string {
  return serializeSecrets(sealed === undefined ? [] : [{ sealed, expiresAt: null }]);
}

function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new InvalidHookError('the name must be 1 to 100 letters, digits, . _ or -, starting with a letter or digit');
  }
}

function checkHandler(handler: string, handlers: ReadonlyMap<string, HookHandler>): void {
  if (!handlers.has(handler)) {
    throw new InvalidHookError(`unknown handler "${handler}"; handlers: ${[...handlers.keys()].join(', ')}`);
  }
}

/** What is wrong with a legacy path, or undefined when a hook may answer at it. */
function legacyPathProblem(path: string): string | undefined {
  if (!LEGACY_PATH.test(path) || path.length > MAX_LEGACY_PATH_LENGTH) {
    return 'the path must look like /twilio/sms: segments of letters, digits, . _ ~ or -';
  }
  if (/^\/(api|hooks|static)(\/|$)/.test(path)) return 'the path must not be under /api, /hooks or /static';
  return undefined;
}

function checkLegacyPath(path: string): void {
  const problem = legacyPathProblem(path);
  if (problem !== undefined) throw new InvalidHookError(problem);
}

export interface HooksServiceOptions {
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
}

export function createHooksService(
  db: Db,
  { secretBox, handlers, tokenMayCall, onPending, leaseMs = 300_000, now = () => new Date() }: HooksServiceOptions,
) {
  // Concurrent deliveries share a commit: each is still answered only once its own is durable.
  const postgres = isPostgres(db);
  const storeDelivery = createGroupCommit((rows: NewDeliveryRow[]) =>
    db.transaction().execute(async (trx) => {
      // Durable on the server's disk before the sender hears OK, whatever the server's default.
      if (postgres) await sql`set local synchronous_commit = on`.execute(trx);
      const stored = [];
      for (const row of rows) stored.push(await repository.insertDeliveryOnce(trx, row));
      return stored;
    }),
  );

  async function hookByName(name: string): Promise<HookRow> {
    const row = await repository.findHookByName(db, name);
    if (!row) throw new HookNotFoundError(name);
    return row;
  }

  /** Verifies a call with the hook's mode: its API token, or its signature by a secret live at `at`. */
  async function verifyCall(hook: HookRow, delivery: IncomingDelivery, at: Date): Promise<VerifyResult> {
    if (hook.verify_mode === 'token') return verifyToken(delivery.headers, tokenMayCall);
    let secrets: string[];
    try {
      secrets = liveSecrets(parseSecrets(hook.secrets), at).map(({ sealed }) => secretBox.open(sealed));
    } catch (error) {
      // The sender hears 503 and retries; whoever runs the server reads why in the log.
      if (error instanceof SecretBoxError) throw new HookSecretsUnreadableError();
      throw error;
    }
    return verifyDelivery(hook.verify_mode, { ...delivery, secrets, now: at });
  }

  /** Throws HookTakenError when another hook than `ownId` answers at the path. */
  async function checkPathFree(path: string | null | undefined, ownId: number | undefined): Promise<void> {
    if (!path) return;
    const holder = await repository.findHookByLegacyPath(db, path);
    if (holder && holder.id !== ownId) throw new HookTakenError(`path "${path}"`);
  }

  return {
    /** Creates a hook; `generatedSecret` is the plaintext when it was generated here, to be shown once. */
    async createHook(input: NewHook): Promise<HookWithSecret> {
      checkName(input.name);
      checkHandler(input.handler, handlers);
      if (input.legacyPath !== undefined) checkLegacyPath(input.legacyPath);
      const mode = checkedMode(input.verify);
      const { secret, generated } = checkedSecret(mode, input.secret);
      if (await repository.findHookByName(db, input.name)) throw new HookTakenError(`hook name "${input.name}"`);
      await checkPathFree(input.legacyPath, undefined);
      try {
        const row = await repository.insertHook(db, {
          name: input.name,
          handler: input.handler,
          verify_mode: mode,
          secrets: onlySecret(secret === undefined ? undefined : secretBox.seal(secret)),
          legacy_path: input.legacyPath ?? null,
          created_at: nowIso(now()),
        });
        return { hook: hookRowToHook(row), generatedSecret: generated ? secret : undefined };
      } catch (error) {
        // Another request took the name or path between the checks above and the insert.
        if (isUniqueViolation(error)) throw new HookTakenError(`hook name "${input.name}" or path`);
        throw error;
      }
    },

    /** Changes a hook's handler, legacy path or verification mode; its name stays (senders call it). */
    async updateHook(name: string, changes: HookChanges): Promise<HookWithSecret> {
      const row = await hookByName(name);
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
        const updated = await repository.updateHook(db, row.id, update);
        if (!updated) throw new HookNotFoundError(name);
        return { hook: hookRowToHook(updated), generatedSecret };
      } catch (error) {
        if (isUniqueViolation(error)) throw new HookTakenError(`path "${changes.legacyPath}"`);
        throw error;
      }
    },

    /**
     * Makes a new secret current; the ones it replaces keep verifying for the overlap, so senders
     * can switch over without refused deliveries. Two rotations of one hook at once: the second
     * to write is refused (HookChangedError) rather than silently dropping the first's secret.
     */
    async rotateSecret(name: string, input: SecretRotation): Promise<RotatedSecret> {
      const row = await hookByName(name);
      if (row.verify_mode === 'token') throw new InvalidHookError(TOKEN_HAS_NO_SECRET);
      const overlapMs = checkedOverlap(input.overlap ?? DEFAULT_OVERLAP);
      const { secret, generated } = checkedSecret(row.verify_mode, input.secret);
      if (secret === undefined) throw new Error(`a ${row.verify_mode} hook got no secret`);
      const at = now();
      const secrets = rotateSecrets(parseSecrets(row.secrets), secretBox.seal(secret), overlapMs, at);
      const updated = await repository.replaceSecrets(db, row.id, row.secrets, serializeSecrets(secrets));
      if (!updated) throw new HookChangedError(name);
      return {
        hook: hookRowToHook(updated),
        generatedSecret: generated ? secret : undefined,
        previousExpiresAt: secrets.length > 1 ? nowIso(new Date(at.getTime() + overlapMs)) : null,
      };
    },

    async listHooks(page: Page): Promise<Paged<Hook>> {
      const { rows, total } = await repository.listHooks(db, page);
      return { items: rows.map(hookRowToHook), total, ...page };
    },

    async getHook(name: string): Promise<Hook> {
      return hookRowToHook(await hookByName(name));
    },

    /**
     * The hook answering at a legacy path such as `/twilio/sms`, read on every call (paths change
     * at runtime); undefined without a query for a path no hook could have.
     */
    async hookAtPath(path: string): Promise<Hook | undefined> {
      if (legacyPathProblem(path) !== undefined) return undefined;
      const row = await repository.findHookByLegacyPath(db, path);
      return row && hookRowToHook(row);
    },

    /** Removes a hook and every delivery it holds. */
    async removeHook(name: string): Promise<void> {
      if (!(await repository.deleteHookByName(db, name))) throw new HookNotFoundError(name);
    },

    /**
     * Verifies a call to the named hook and stores it, committed before this resolves. A
     * redelivery of an external id the hook already holds stores nothing and answers the first.
     * Throws HookNotFoundError or DeliveryRefusedError.
     */
    async receive(name: string, delivery: IncomingDelivery): Promise<ReceivedDelivery> {
      // Read on every call, never cached: a removed hook or a rotated secret counts at once.
      const hook = await hookByName(name);
      const receivedAt = now();
      const verdict = await verifyCall(hook, delivery, receivedAt);
      if (!verdict.ok) throw new DeliveryRefusedError(verdict.reason);

      const externalId = verdict.deliveryId ?? randomUUID();
      if (!EXTERNAL_ID.test(externalId))
        throw new InvalidDeliveryError('the delivery id must be 1 to 255 characters, without NUL');
      // A handler that answers the sender gets the delivery claimed in the very insert, so no
      // worker takes it before the request runs it; should this process die first, the lease
      // lapses and a worker does.
      const inline = handlers.get(hook.handler)?.inline;
      const inserted = await storeDelivery({
        hook_id: hook.id,
        external_id: externalId,
        status: inline ? 'processing' : 'pending',
        attempts: inline ? 1 : 0,
        next_attempt_at: nowIso(inline ? new Date(receivedAt.getTime() + leaseMs) : receivedAt),
        received_at: nowIso(receivedAt),
        content_type: delivery.contentType,
        headers: JSON.stringify(keptHeaders(delivery.headers)),
        body: delivery.body,
        sender_ip: delivery.senderIp,
      }).catch((error) => {
        // Removed between its lookup and this insert: as unknown as if it had gone a moment sooner.
        throw isForeignKeyViolation(error) ? new HookNotFoundError(name) : error;
      });
      if (inserted) {
        if (!inline) onPending?.();
        return { ...inserted, duplicate: false, inline };
      }
      // The conflicting insert has committed (PostgreSQL waits for it), so the row is there.
      const existing = await repository.findDeliveryByExternalId(db, hook.id, externalId);
      if (!existing) throw new Error(`delivery ${externalId} of hook ${name} conflicted but is not there`);
      return { ...existing, duplicate: true, inline };
    },

    async listDeliveries(hookName: string, page: Page, status: DeliveryStatus | undefined): Promise<Paged<Delivery>> {
      const hook = await hookByName(hookName);
      const { rows, total } = await repository.listDeliveries(db, hook.id, page, status);
      return { items: rows.map(deliveryRowToDelivery), total, ...page };
    },

    async getDelivery(id: number): Promise<DeliveryDetail> {
      const [row, attempts] = await Promise.all([repository.findDelivery(db, id), repository.listAttempts(db, id)]);
      if (!row) throw new DeliveryNotFoundError();
      return deliveryRowToDetail(row, attempts);
    },

    /**
     * Runs a delivery's handler again from scratch: pending, attempts 0, due now, its last error
     * and processed time cleared; its attempt log is kept. Refused while a worker is running it.
     */
    async replayDelivery(id: number): Promise<Delivery> {
      if (!(await repository.requeueDelivery(db, id, nowIso(now())))) {
        if (await repository.findDelivery(db, id)) throw new DeliveryBusyError(id);
        throw new DeliveryNotFoundError();
      }
      onPending?.();
      const row = await repository.findDelivery(db, id);
      // Removed with its hook in the moment since the reset.
      if (!row) throw new DeliveryNotFoundError();
      return deliveryRowToDelivery(row);
    },
  };
}

export type HooksService = ReturnType<typeof createHooksService>;
