import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { stringify as stringifyQuery } from 'node:querystring';
import type { VerifyMode } from './verify/registry.ts';
import { standardSecretKey } from './verify/standard.ts';

/** A call a sender of the hook's scheme would make, signed as it would sign it. */
export interface SampleCall {
  headers: Record<string, string>;
  body: string;
  /** The id the hook will store it under (webhook-id, X-GitHub-Delivery, the Stripe event id, MessageSid, Idempotency-Key). */
  externalId: string;
}

export interface SampleInput {
  mode: VerifyMode;
  /** The hook's current secret; for `token`, an API token carrying hooks.call. */
  credential: string;
  /** The public URL the call goes to, as the hook will see it (Twilio signs it). */
  url: string;
  now: Date;
}

const JSON_TYPE = 'application/json';

/**
 * A correctly signed sample call for a hook's scheme. Each is signed here the way the scheme's
 * reference library signs (the verifiers in verify/ and the senders' libraries in the tests agree
 * on these), so the test console exercises the hook's whole verification path.
 */
export function sampleCall({ mode, credential, url, now }: SampleInput): SampleCall {
  const seconds = Math.floor(now.getTime() / 1000);
  const sample = { type: 'endpoint.test', sent_at: now.toISOString(), note: 'A test delivery from the Endpoint admin' };
  switch (mode) {
    case 'standard': {
      const id = `msg_test_${randomUUID()}`;
      const body = JSON.stringify(sample);
      const key = standardSecretKey(credential) ?? Buffer.alloc(0);
      const signature = createHmac('sha256', key).update(`${id}.${seconds}.${body}`).digest('base64');
      const headers = {
        'content-type': JSON_TYPE,
        'webhook-id': id,
        'webhook-timestamp': String(seconds),
        'webhook-signature': `v1,${signature}`,
      };
      return { headers, body, externalId: id };
    }
    case 'github': {
      const id = randomUUID();
      const body = JSON.stringify({ zen: 'Test deliveries keep hooks honest.', ...sample });
      const signature = createHmac('sha256', credential).update(body).digest('hex');
      const headers = {
        'content-type': JSON_TYPE,
        'x-github-event': 'ping',
        'x-github-delivery': id,
        'x-hub-signature-256': `sha256=${signature}`,
      };
      return { headers, body, externalId: id };
    }
    case 'stripe': {
      const id = `evt_test_${randomBytes(12).toString('hex')}`;
      const body = JSON.stringify({ id, object: 'event', type: 'endpoint.test', created: seconds, data: sample });
      const signature = createHmac('sha256', credential).update(`${seconds}.${body}`).digest('hex');
      return {
        headers: { 'content-type': JSON_TYPE, 'stripe-signature': `t=${seconds},v1=${signature}` },
        body,
        externalId: id,
      };
    }
    case 'twilio': {
      const sid = `SM${randomBytes(16).toString('hex')}`;
      const params: Record<string, string> = {
        AccountSid: `AC${'0'.repeat(32)}`,
        Body: sample.note,
        From: '+15005550006',
        MessageSid: sid,
        NumMedia: '0',
        To: '+15005550001',
      };
      // Twilio signs the URL and each parameter's name and value, sorted by name.
      const signed = Object.keys(params)
        .sort()
        .reduce((text, name) => text + name + params[name], url);
      const signature = createHmac('sha1', credential).update(signed).digest('base64');
      return {
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: stringifyQuery(params),
        externalId: sid,
      };
    }
    case 'token': {
      const id = `test_${randomUUID()}`;
      return {
        headers: { 'content-type': JSON_TYPE, authorization: `Bearer ${credential}`, 'idempotency-key': id },
        body: JSON.stringify(sample),
        externalId: id,
      };
    }
  }
}
