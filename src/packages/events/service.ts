import type { Actor } from '../../core/actor.ts';
import { type Db, inTransaction, nowIso, toDbBool } from '../../core/db.ts';
import { parseDuration } from '../../core/duration.ts';
import type { EventType } from '../../core/events.ts';
import type { Page, Paged } from '../../core/paging.ts';
import type { AuditService } from '../audit/index.ts';
import {
  generateStandardSecret,
  liveSecrets,
  parseSecrets,
  rotateSecrets,
  type SecretBox,
  serializeSecrets,
} from '../hooks/index.ts';
import { messageRowToMessage, subscriptionRowToSubscription } from './api-objects.ts';
import { disableSubscription } from './disable.ts';
import {
  InvalidSubscriptionError,
  MessageBusyError,
  MessageNotFoundError,
  SubscriptionChangedError,
  SubscriptionDisabledError,
  SubscriptionNotFoundError,
} from './errors.ts';
import type { Outbox } from './outbox.ts';
import * as repository from './repository.ts';
import type { Message, NewSubscription, SecretRotation, Subscription, SubscriptionChanges } from './schemas.ts';
import { assertMayReceive, checkedEventTypes } from './subscription-rules.ts';
import type { SubscriptionRow } from './table.ts';
import type { UrlGuard } from './url-guard.ts';

export interface SubscriptionsOptions {
  audit: AuditService;
  outbox: Outbox;
  secretBox: SecretBox;
  urlGuard: UrlGuard;
  eventTypes: ReadonlyMap<string, EventType>;
  now: () => Date;
}

/** What a reader may see of message bodies: the permissions they hold, or everything (the operator). */
export type Reader = ReadonlySet<string> | 'all';

const DEFAULT_OVERLAP = '24h';
const MAX_OVERLAP_MS = 30 * 86_400_000;

function checkedOverlap(text: string): number {
  const ms = /^0+[smhd]$/.test(text) ? 0 : parseDuration(text);
  if (ms === undefined || ms > MAX_OVERLAP_MS) {
    throw new InvalidSubscriptionError('the overlap must be a duration such as 24h of at most 30d, or 0s for none');
  }
  return ms;
}

/** Subscriptions: where events go, signed with their secret; their messages and resends. */
export function createSubscriptionsService(db: Db, options: SubscriptionsOptions) {
  const { audit, outbox, secretBox, urlGuard, eventTypes, now } = options;

  async function subscriptionById(id: number, executor: Db = db): Promise<SubscriptionRow> {
    const row = await repository.findSubscription(executor, id);
    if (!row) throw new SubscriptionNotFoundError(id);
    return row;
  }

  async function withAttempts(rows: Awaited<ReturnType<typeof repository.findMessage>>[], reader: Reader) {
    const present = rows.filter((row) => row !== undefined);
    const attempts = await repository.attemptsOf(
      db,
      present.map((row) => row.id),
    );
    return present.map((row) =>
      messageRowToMessage(
        row,
        attempts.filter((attempt) => attempt.message_id === row.id),
        { holds: reader, eventTypes },
      ),
    );
  }

  return {
    /** Every declared event type, by name, with the permission subscribing to it takes. */
    eventTypes(): { name: string; description: string; permission: string | null }[] {
      return [...eventTypes].map(([name, type]) => ({
        name,
        description: type.description,
        permission: type.permission ?? null,
      }));
    },

    /** Creates a subscription with a fresh `whsec_` secret, answered this once. */
    async create(actor: Actor, input: NewSubscription): Promise<Subscription & { secret: string }> {
      const types = checkedEventTypes(input.event_types, eventTypes);
      assertMayReceive(actor, types, eventTypes);
      const url = await urlGuard.check(input.url);
      const secret = generateStandardSecret();
      const at = nowIso(now());
      const row = await inTransaction(db, async (trx) => {
        const inserted = await repository.insertSubscription(trx, {
          url,
          description: input.description ?? '',
          event_types: JSON.stringify(types),
          secrets: serializeSecrets([{ sealed: secretBox.seal(secret), expiresAt: null }]),
          enabled: toDbBool(true),
          disabled_reason: null,
          failing_since: null,
          created_at: at,
          updated_at: at,
        });
        await audit.record(trx, actor, {
          action: 'subscription.created',
          target: `subscription:${inserted.id}`,
          summary: { url, event_types: types, description: inserted.description },
        });
        return inserted;
      });
      return { ...subscriptionRowToSubscription(row), secret };
    },

    async list(page: Page): Promise<Paged<Subscription>> {
      const { rows, total } = await repository.listSubscriptions(db, page);
      return { items: rows.map(subscriptionRowToSubscription), total, ...page };
    },

    async get(id: number): Promise<Subscription> {
      return subscriptionRowToSubscription(await subscriptionById(id));
    },

    /**
     * Changes a subscription. A new URL or new types need the types' permissions (where messages
     * go decides who reads them); enabling again forgets past failures, and its waiting messages go.
     */
    async update(actor: Actor, id: number, changes: SubscriptionChanges): Promise<Subscription> {
      const current = await subscriptionById(id);
      const types = changes.event_types === undefined ? undefined : checkedEventTypes(changes.event_types, eventTypes);
      if (changes.url !== undefined || types !== undefined) {
        assertMayReceive(actor, types ?? (JSON.parse(current.event_types) as string[]), eventTypes);
      }
      const url = changes.url === undefined ? undefined : await urlGuard.check(changes.url);
      const row = await inTransaction(db, async (trx) => {
        const enabling = changes.enabled === true && !current.enabled;
        const updated = await repository.updateSubscription(trx, id, {
          ...(url !== undefined && { url }),
          ...(types !== undefined && { event_types: JSON.stringify(types) }),
          ...(changes.description !== undefined && { description: changes.description }),
          ...(enabling && { enabled: toDbBool(true), disabled_reason: null, failing_since: null }),
          updated_at: nowIso(now()),
        });
        if (!updated) throw new SubscriptionNotFoundError(id);
        const before = subscriptionRowToSubscription(current);
        const after = subscriptionRowToSubscription(updated);
        const keys = (['url', 'event_types', 'description', 'enabled'] as const).filter(
          (key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]),
        );
        if (keys.length > 0) {
          await audit.record(trx, actor, {
            action: 'subscription.updated',
            target: `subscription:${id}`,
            summary: {
              before: Object.fromEntries(keys.map((key) => [key, before[key]])),
              after: Object.fromEntries(keys.map((key) => [key, after[key]])),
            },
          });
        }
        if (changes.enabled === false) {
          await disableSubscription(trx, { audit, outbox, now }, actor, updated, 'by hand');
          return subscriptionById(id, trx);
        }
        return updated;
      });
      return subscriptionRowToSubscription(row);
    },

    /** Deletes a subscription with its messages and their attempts. */
    async remove(actor: Actor, id: number): Promise<void> {
      await inTransaction(db, async (trx) => {
        const row = await subscriptionById(id, trx);
        await repository.deleteSubscription(trx, id);
        await audit.record(trx, actor, {
          action: 'subscription.deleted',
          target: `subscription:${id}`,
          summary: { url: row.url, event_types: JSON.parse(row.event_types) },
        });
      });
    },

    /**
     * A new secret signs from now on; the replaced one keeps signing beside it for the overlap,
     * so a receiver verifies with either while it is reconfigured. Two rotations at once: the
     * second to write is refused rather than dropping the first's secret.
     */
    async rotateSecret(
      actor: Actor,
      id: number,
      input: SecretRotation,
    ): Promise<Subscription & { secret: string; previous_secret_expires_at: string | null }> {
      const row = await subscriptionById(id);
      const overlapMs = checkedOverlap(input.overlap ?? DEFAULT_OVERLAP);
      const secret = generateStandardSecret();
      const at = now();
      const secrets = rotateSecrets(parseSecrets(row.secrets), secretBox.seal(secret), overlapMs, at);
      const previousExpiresAt = secrets.length > 1 ? nowIso(new Date(at.getTime() + overlapMs)) : null;
      const updated = await inTransaction(db, async (trx) => {
        const replaced = await repository.replaceSecrets(trx, id, row.secrets, serializeSecrets(secrets), nowIso(at));
        if (!replaced) throw new SubscriptionChangedError(id);
        await audit.record(trx, actor, {
          action: 'subscription.secret_rotated',
          target: `subscription:${id}`,
          summary: { previous_secret_expires_at: previousExpiresAt },
        });
        return replaced;
      });
      return { ...subscriptionRowToSubscription(updated), secret, previous_secret_expires_at: previousExpiresAt };
    },

    /** The secrets that sign at `at`, newest first, opened. */
    openSecrets(column: string, at: Date): string[] {
      return liveSecrets(parseSecrets(column), at).map(({ sealed }) => secretBox.open(sealed));
    },

    /** Sends a `ping` to the subscription, whatever types it takes; answers the message. */
    async test(actor: Actor, id: number, reader: Reader): Promise<Message> {
      const row = await inTransaction(db, async (trx) => {
        const subscription = await subscriptionById(id, trx);
        if (!subscription.enabled) throw new SubscriptionDisabledError(id);
        const message = await outbox.emitTo(trx, id, 'ping', { subscription_id: id });
        await audit.record(trx, actor, {
          action: 'subscription.tested',
          target: `subscription:${id}`,
          summary: { message_id: message.id },
        });
        return message;
      });
      return (await withAttempts([row], reader))[0];
    },

    /** A subscription's messages, newest first, each with its attempts. */
    async listMessages(id: number, page: Page, reader: Reader): Promise<Paged<Message>> {
      await subscriptionById(id);
      const { rows, total } = await repository.listMessages(db, id, page);
      return { items: await withAttempts(rows, reader), total, ...page };
    },

    async getMessage(id: number, reader: Reader): Promise<Message> {
      const row = await repository.findMessage(db, id);
      if (!row) throw new MessageNotFoundError(id);
      return (await withAttempts([row], reader))[0];
    },

    /**
     * Sends a message again from its first attempt, with the same `webhook-id` (a receiver that
     * took it already drops the repeat). Refused while an attempt is under way, or while its
     * subscription is disabled (it would only wait).
     */
    async resend(actor: Actor, id: number, reader: Reader): Promise<Message> {
      const row = await inTransaction(db, async (trx) => {
        const message = await repository.findMessage(trx, id);
        if (!message) throw new MessageNotFoundError(id);
        const subscription = await subscriptionById(message.subscription_id, trx);
        if (!subscription.enabled) throw new SubscriptionDisabledError(subscription.id);
        const requeued = await repository.requeueMessage(trx, id, nowIso(now()));
        if (!requeued) throw new MessageBusyError(id);
        await audit.record(trx, actor, {
          action: 'message.resent',
          target: `message:${id}`,
          summary: { subscription_id: subscription.id, event_type: message.event_type },
        });
        return requeued;
      });
      outbox.written();
      return (await withAttempts([row], reader))[0];
    },
  };
}

export type SubscriptionsService = ReturnType<typeof createSubscriptionsService>;
