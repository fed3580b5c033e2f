import type { HandledDelivery, HookHandler } from '../../core/hook-handlers.ts';
import { archiveMessage, type Message } from './service.ts';
import { twiml } from './twiml.ts';

/** What the message answers for this many links. */
function savedText(count: number): string {
  if (count === 0) return 'No links found';
  return `Saved ${count} link${count === 1 ? '' : 's'}`;
}

/** The message in a Twilio SMS webhook's form body, or undefined when the body has no `Body`. */
function readSms(delivery: HandledDelivery): Message | undefined {
  const form = new URLSearchParams(delivery.body.toString('utf8'));
  const text = form.get('Body');
  if (text === null) return undefined;
  return { deliveryId: delivery.id, text, sender: form.get('From') ?? '', receivedAt: delivery.receivedAt };
}

/**
 * `links.twilio-sms`: archives the links of an SMS sent to a Twilio number and tells the sender
 * how many, in TwiML. It runs inline, so the answer reaches the phone; when that run fails Twilio
 * gets an empty `<Response/>` (no SMS back) and the worker archives the links later.
 */
export const twilioSmsHandler: HookHandler = {
  description: 'archive the links of a Twilio SMS; answer how many were saved',
  inline: { fallback: twiml() },
  async handle(delivery, { db, log, services }) {
    const message = readSms(delivery);
    // Not an SMS (a voice call, a test post): retrying cannot change that, so it is answered, not thrown.
    if (message === undefined) {
      log.info({ delivery: delivery.id, hook: delivery.hook }, 'not a Twilio SMS: no Body field');
      return twiml(savedText(0));
    }
    const { urls, saved } = await archiveMessage(db, message);
    for (const link of saved) {
      await services.events.emit(db, 'link.saved', {
        id: link.id,
        url: link.url,
        sender: link.sender,
        received_at: link.receivedAt,
        delivery_id: delivery.id,
      });
    }
    return twiml(savedText(urls.length));
  },
};
