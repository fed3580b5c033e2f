import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import Stripe from 'stripe';
import { verifyStripe } from './stripe.ts';

const OLD_SECRET = 'whsec_old0123456789abcdefghijklmnop';
const NEW_SECRET = 'whsec_new0123456789abcdefghijklmnop';
const OTHER_SECRET = 'whsec_other456789abcdefghijklmnopqr';
const SENT_AT = new Date('2025-01-14T12:00:00Z');
const PAYLOAD = JSON.stringify({ id: 'evt_1Nq', object: 'event', type: 'charge.succeeded', data: { note: 'naïve' } });

const stripe = new Stripe('sk_test_unused');

// A delivery signed by the sender's own library.
function delivery(secret: string, { sentAt = SENT_AT, payload = PAYLOAD } = {}) {
  const timestamp = Math.floor(sentAt.getTime() / 1000);
  return {
    body: Buffer.from(payload),
    headers: { 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }) },
  };
}

// The v1 signature alone, as a secret rotation puts several in one header.
function v1Of(secret: string): string {
  return delivery(secret).headers['stripe-signature'].split(',v1=')[1] ?? '';
}

const secondsAfter = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);
const invalid = { ok: false, reason: 'signature invalid' };

describe('verifyStripe', () => {
  it('accepts a delivery signed by the stripe library and gives the event id and time', () => {
    assert.deepEqual(verifyStripe({ ...delivery(NEW_SECRET), secrets: [NEW_SECRET], now: SENT_AT }), {
      ok: true,
      deliveryId: 'evt_1Nq',
      timestamp: SENT_AT,
    });
  });

  it('agrees with the library on the same delivery', () => {
    const { body, headers } = delivery(NEW_SECRET);
    const event = stripe.webhooks.constructEvent(
      body,
      headers['stripe-signature'],
      NEW_SECRET,
      300,
      undefined,
      SENT_AT.getTime(),
    );
    assert.equal(event.id, 'evt_1Nq');
    assert.equal(verifyStripe({ body, headers, secrets: [NEW_SECRET], now: SENT_AT }).ok, true);
  });

  it('accepts a signed body that is not a JSON event, without a delivery id', () => {
    for (const payload of ['not json', '[1,2]', '{"id":42}', 'null']) {
      const result = verifyStripe({ ...delivery(NEW_SECRET, { payload }), secrets: [NEW_SECRET], now: SENT_AT });
      assert.deepEqual(result, { ok: true, deliveryId: undefined, timestamp: SENT_AT }, payload);
    }
  });

  it('refuses a tampered body', () => {
    const { headers } = delivery(NEW_SECRET);
    const body = Buffer.from(PAYLOAD.replace('succeeded', 'refunded'));
    assert.deepEqual(verifyStripe({ body, headers, secrets: [NEW_SECRET], now: SENT_AT }), invalid);
  });

  it('refuses a signed timestamp that was changed', () => {
    const { body, headers } = delivery(NEW_SECRET);
    const t = Math.floor(SENT_AT.getTime() / 1000);
    const moved = { 'stripe-signature': headers['stripe-signature'].replace(`t=${t}`, `t=${t + 60}`) };
    assert.deepEqual(verifyStripe({ body, headers: moved, secrets: [NEW_SECRET], now: SENT_AT }), invalid);
  });

  it('refuses a delivery signed with another secret', () => {
    assert.deepEqual(verifyStripe({ ...delivery(OTHER_SECRET), secrets: [NEW_SECRET], now: SENT_AT }), invalid);
  });

  it('answers missing header without Stripe-Signature, or with it empty', () => {
    const body = Buffer.from(PAYLOAD);
    for (const headers of [{}, { 'stripe-signature': '' }]) {
      assert.deepEqual(verifyStripe({ body, headers, secrets: [NEW_SECRET], now: SENT_AT }), {
        ok: false,
        reason: 'missing header',
      });
    }
  });

  it('refuses malformed signature headers without throwing', () => {
    const { body } = delivery(NEW_SECRET);
    const t = Math.floor(SENT_AT.getTime() / 1000);
    const v1 = v1Of(NEW_SECRET);
    const malformed = [
      'garbage',
      ',,,',
      `v1=${v1}`,
      `t=${t}`,
      `t=${t},v1=`,
      `t=soon,v1=${v1}`,
      `t=${t}abc,v1=${v1}`,
      `t=-${t},v1=${v1}`,
      `t=${t},v1=not-hex`,
      `t=${t},v1=${v1.slice(0, -1)}`,
      `t=${t},v1=${v1.slice(0, -2)}`,
      `t=${t},v1=${randomBytes(16).toString('hex')}`,
      `t=${t},v0=${v1}`,
      `t=${t},V1=${v1}`,
      `t=${t}, v1=${v1}`,
      `t=${t};v1=${v1}`,
    ];
    for (const value of malformed) {
      const result = verifyStripe({
        body,
        headers: { 'stripe-signature': value },
        secrets: [NEW_SECRET],
        now: SENT_AT,
      });
      assert.deepEqual(result, invalid, value);
    }
  });

  it('accepts a signature by either secret during a rotation, and refuses a third', () => {
    const secrets = [OLD_SECRET, NEW_SECRET];
    assert.equal(verifyStripe({ ...delivery(OLD_SECRET), secrets, now: SENT_AT }).ok, true);
    assert.equal(verifyStripe({ ...delivery(NEW_SECRET), secrets, now: SENT_AT }).ok, true);
    assert.deepEqual(verifyStripe({ ...delivery(OTHER_SECRET), secrets, now: SENT_AT }), invalid);
  });

  it('accepts a header holding several v1 signatures when any one matches', () => {
    const { body } = delivery(NEW_SECRET);
    const t = Math.floor(SENT_AT.getTime() / 1000);
    const several = `t=${t},v1=${v1Of(OLD_SECRET)},v0=${v1Of(OTHER_SECRET)},v1=${v1Of(NEW_SECRET)}`;
    assert.equal(
      verifyStripe({ body, headers: { 'stripe-signature': several }, secrets: [NEW_SECRET], now: SENT_AT }).ok,
      true,
    );
    const withoutMatch = `t=${t},v1=${v1Of(OLD_SECRET)},v1=${v1Of(OTHER_SECRET)}`;
    const refused = verifyStripe({
      body,
      headers: { 'stripe-signature': withoutMatch },
      secrets: [NEW_SECRET],
      now: SENT_AT,
    });
    assert.deepEqual(refused, invalid);
  });

  it('refuses timestamps more than 300 seconds old or ahead, and accepts them at exactly 300', () => {
    const signed = { ...delivery(NEW_SECRET), secrets: [NEW_SECRET] };
    const outOfRange = { ok: false, reason: 'timestamp out of range' };
    assert.deepEqual(verifyStripe({ ...signed, now: secondsAfter(SENT_AT, 301) }), outOfRange);
    assert.deepEqual(verifyStripe({ ...signed, now: secondsAfter(SENT_AT, -301) }), outOfRange);
    assert.equal(verifyStripe({ ...signed, now: secondsAfter(SENT_AT, 300) }).ok, true);
    assert.equal(verifyStripe({ ...signed, now: secondsAfter(SENT_AT, -300) }).ok, true);
  });

  it('tells a forged stale delivery only that its signature is invalid', () => {
    const result = verifyStripe({ ...delivery(OTHER_SECRET), secrets: [NEW_SECRET], now: secondsAfter(SENT_AT, 3600) });
    assert.deepEqual(result, invalid);
  });

  it('never accepts a signature made with an empty secret', () => {
    const payload = PAYLOAD;
    const timestamp = Math.floor(SENT_AT.getTime() / 1000);
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: '', timestamp });
    const result = verifyStripe({
      body: Buffer.from(payload),
      headers: { 'stripe-signature': header },
      secrets: [''],
      now: SENT_AT,
    });
    assert.deepEqual(result, invalid);
  });
});
