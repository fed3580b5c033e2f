import type { Actor } from '../../core/actor.ts';
import { inTransaction, nowIso } from '../../core/db.ts';
import { parseDuration } from '../../core/duration.ts';
import type { HookWithSecret } from './api-objects.ts';
import { hookRowToHook } from './api-objects.ts';
import { type HooksContext, hookByName } from './context.ts';
import { HookChangedError, HookSecretsUnreadableError, InvalidHookError } from './errors.ts';
import * as repository from './repository.ts';
import { type SampleCall, sampleCall } from './sample-call.ts';
import type { SecretRotation } from './schemas.ts';
import { type SecretBox, SecretBoxError } from './secret-box.ts';
import { liveSecrets, parseSecrets, rotateSecrets, serializeSecrets } from './secret-list.ts';
import type { HookRow } from './table.ts';
import { secretWeakness, VERIFY_SCHEMES, type VerifyMode } from './verify/registry.ts';
import type { SchemeSecret } from './verify/scheme.ts';

export interface RotatedSecret extends HookWithSecret {
  /** When the secrets replaced stop verifying; null when they stopped at once. */
  previousExpiresAt: string | null;
}

const MAX_SECRET_LENGTH = 1000;
const DEFAULT_OVERLAP = '24h';
// Long enough to reconfigure any sender; longer would keep a secret believed retired alive.
const MAX_OVERLAP_MS = 30 * 86_400_000;

/** The mode's secret rule; throws InvalidHookError for a mode whose hooks have no secret (`token`). */
function secretRule(mode: VerifyMode): SchemeSecret {
  const rule = VERIFY_SCHEMES[mode].secret;
  if ('none' in rule) throw new InvalidHookError(`a ${mode} hook has no secret: ${rule.none}`);
  return rule;
}

/** The hook's new secret, given or generated; none for a mode whose callers bring their own credential. */
export function checkedSecret(mode: VerifyMode, given: string | undefined): { secret?: string; generated: boolean } {
  if (given === undefined && 'none' in VERIFY_SCHEMES[mode].secret) return { generated: false };
  const rule = secretRule(mode);
  if (given === undefined) {
    if ('issuedAs' in rule) throw new InvalidHookError(`a ${mode} hook needs its secret: ${rule.issuedAs}`);
    return { secret: rule.generate(), generated: true };
  }
  if (given.trim() === '' || given.length > MAX_SECRET_LENGTH || given.includes('\0')) {
    throw new InvalidHookError(`the secret must be 1 to ${MAX_SECRET_LENGTH} characters, not only spaces`);
  }
  const weakness = secretWeakness(mode, given);
  if (weakness !== undefined) throw new InvalidHookError(weakness);
  return { secret: given, generated: false };
}

/** A secrets column holding one current secret, or none. */
export function onlySecret(sealed: string | undefined): string {
  return serializeSecrets(sealed === undefined ? [] : [{ sealed, expiresAt: null }]);
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

/**
 * The hook's secrets that verify at `at`, opened; none for a mode without secrets. Throws
 * HookSecretsUnreadableError when they do not open (ENDPOINT_SECRET_KEY changed).
 */
export function openLiveSecrets(secretBox: SecretBox, hook: HookRow, at: Date): string[] {
  if ('none' in VERIFY_SCHEMES[hook.verify_mode].secret) return [];
  try {
    return liveSecrets(parseSecrets(hook.secrets), at).map(({ sealed }) => secretBox.open(sealed));
  } catch (error) {
    // The sender hears 503 and retries; whoever runs the server reads why in the log.
    if (error instanceof SecretBoxError) throw new HookSecretsUnreadableError();
    throw error;
  }
}

/** Rotating a hook's secret. */
export function createHookSecrets(context: HooksContext) {
  const { db, audit, secretBox, now } = context;
  return {
    /**
     * A sample call to the named hook signed with its current secret (the test console's), to be
     * sent to `url`; a `token` hook's carries `token`, an API token with hooks.call. The secret
     * itself never leaves the service, only the signature over the sample.
     */
    async sampleCall(name: string, url: string, token?: string): Promise<SampleCall> {
      const row = await hookByName(context, name);
      const at = now();
      const credential = row.verify_mode === 'token' ? token : openLiveSecrets(secretBox, row, at)[0];
      if (credential === undefined) throw new InvalidHookError(`hook "${name}" has nothing to sign a sample with`);
      return sampleCall({ mode: row.verify_mode, credential, url, now: at });
    },

    /**
     * Makes a new secret current; the ones it replaces keep verifying for the overlap, so senders
     * can switch over without refused deliveries. Two rotations of one hook at once: the second
     * to write is refused (HookChangedError) rather than silently dropping the first's secret.
     */
    async rotateSecret(actor: Actor, name: string, input: SecretRotation): Promise<RotatedSecret> {
      const row = await hookByName(context, name);
      secretRule(row.verify_mode);
      const overlapMs = checkedOverlap(input.overlap ?? DEFAULT_OVERLAP);
      const { secret, generated } = checkedSecret(row.verify_mode, input.secret);
      if (secret === undefined) throw new Error(`a ${row.verify_mode} hook got no secret`);
      const at = now();
      const secrets = rotateSecrets(parseSecrets(row.secrets), secretBox.seal(secret), overlapMs, at);
      const previousExpiresAt = secrets.length > 1 ? nowIso(new Date(at.getTime() + overlapMs)) : null;
      const updated = await inTransaction(db, async (trx) => {
        const replaced = await repository.replaceSecrets(trx, row.id, row.secrets, serializeSecrets(secrets));
        if (!replaced) throw new HookChangedError(name);
        // An overlap of 0s is the removal of every old secret at once.
        await audit.record(trx, actor, {
          action: overlapMs === 0 ? 'hook.secret_rotated_old_removed' : 'hook.secret_rotated',
          target: `hook:${name}`,
          summary: { hook_id: row.id, generated, previous_secrets_expire_at: previousExpiresAt },
        });
        return replaced;
      });
      return { hook: hookRowToHook(updated), generatedSecret: generated ? secret : undefined, previousExpiresAt };
    },
  };
}
