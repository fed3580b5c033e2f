import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { generateStandardSecret, standardSecretKey, verifyStandard } from './standard.ts';

const OLD_SECRET = generateStandardSecret();
const NEW_SECRET = generateStandardSecret();
const OTHER_SECRET = generateStandardSecret();
const SENT_AT = new Date('2025-01-14T12:00:00Z');
const PAYLOAD = JSON.stringify({ type: 'invoice.paid', data: { amount: 1200, note: 'café ✓' } });

// A delivery signed by the sender's own library.
function delivery(secret: string, { id = 'msg_2a', sentAt = SENT_AT, payload = PAYLOAD } = {}) {
  return {
    body: Buffer.from(payload),
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, sentAt, payload),
    },
  };
}

const secondsAfter = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);

describe('verifyStandard', () => {
  it('accepts a delivery signed by the standardwebhooks library and gives its id and time', () => {
    const result = verifyStandard({ ...delivery(NEW_SECRET), secrets: [NEW_SECRET], now: SENT_AT });
    assert.deepEqual(result, { ok: true, deliveryId: 'msg_2a', timestamp: SENT_AT });
  });

  it('agrees with the library on a delivery verified at the real current time', () => {
    const now = new Date();
    const { body, headers } = delivery(NEW_SECRET, { sentAt: now });
    assert.doesNotThrow(() => new Webhook(NEW_SECRET).verify(body, headers));
    assert.equal(verifyStandard({ body, headers, secrets: [NEW_SECRET], now }).ok, true);
  });

  it('refuses a tampered body', () => {
    const { headers } = delivery(NEW_SECRET);
    const body = Buffer.from(PAYLOAD.replace('1200', '9900'));
    const result = verifyStandard({ body, headers, secrets: [NEW_SECRET], now: SENT_AT });
    assert.deepEqual(result, { ok: false, reason: 'signature invalid' });
  });

  it('refuses a signed id or timestamp that was changed', () => {
    for (const change of [
      { 'webhook-id': 'msg_other' },
      { 'webhook-timestamp': String(SENT_AT.getTime() / 1000 + 1) },
    ]) {
      const { body, headers } = delivery(NEW_SECRET);
      const result = verifyStandard({ body, headers: { ...headers, ...change }, secrets: [NEW_SECRET], now: SENT_AT });
      assert.deepEqual(result, { ok: false, reason: 'signature invalid' });
    }
  });

  it('refuses a delivery signed with another secret', () => {
    const result = verifyStandard({ ...delivery(OTHER_SECRET), secrets: [NEW_SECRET], now: SENT_AT });
    assert.deepEqual(result, { ok: false, reason: 'signature invalid' });
  });

  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    it(`answers missing header without ${name}, or with it empty`, () => {
      const { body, headers } = delivery(NEW_SECRET);
      for (const value of [undefined, '']) {
        const result = verifyStandard({
          body,
          headers: { ...headers, [name]: value },
          secrets: [NEW_SECRET],
          now: SENT_AT,
        });
        assert.deepEqual(result, { ok: false, reason: 'missing header' });
      }
    });
  }

  it('refuses malformed headers without throwing', () => {
    const { body, headers } = delivery(NEW_SECRET);
    const valid = headers['webhook-signature'].slice('v1,'.length);
    const malformed: Record<string, string>[] = [
      { 'webhook-signature': 'garbage' },
      { 'webhook-signature': 'v1,' },
      { 'webhook-signature': 'v1,!!not base64!!' },
      { 'webhook-signature': `v1,${valid.slice(0, -1)}` },
      { 'webhook-signature': `v1,${randomBytes(16).toString('base64')}` },
      { 'webhook-signature': `v1,${randomBytes(64).toString('base64')}` },
      { 'webhook-signature': `v1,${valid},v1` },
      { 'webhook-signature': `v1a,${valid}` },
      { 'webhook-signature': `v2,${valid}` },
      { 'webhook-signature': valid },
      { 'webhook-signature': ',,, ,' },
      { 'webhook-timestamp': 'soon' },
      { 'webhook-timestamp': `${headers['webhook-timestamp']}abc` },
      { 'webhook-timestamp': '-1' },
      { 'webhook-timestamp': '1e9' },
      { 'webhook-timestamp': '9'.repeat(400) },
    ];
    for (const change of malformed) {
      const result = verifyStandard({ body, headers: { ...headers, ...change }, secrets: [NEW_SECRET], now: SENT_AT });
      assert.deepEqual(result, { ok: false, reason: 'signature invalid' }, JSON.stringify(change));
    }
  });

  it('reads a header that arrived as a list without throwing', () => {
    const { body, headers } = delivery(NEW_SECRET);
    const repeated = { ...headers, 'webhook-signature': [headers['webhook-signature'], 'v1,xyz'] };
    const result = verifyStandard({ body, headers: repeated, secrets: [NEW_SECRET], now: SENT_AT });
    assert.equal(result.ok, false);
  });

  it('accepts a signature by either secret during a rotation, and refuses a third', () => {
    const secrets = [OLD_SECRET, NEW_SECRET];
    assert.equal(verifyStandard({ ...delivery(OLD_SECRET), secrets, now: SENT_AT }).ok, true);
    assert.equal(verifyStandard({ ...delivery(NEW_SECRET), secrets, now: SENT_AT }).ok, true);
    assert.deepEqual(verifyStandard({ ...delivery(OTHER_SECRET), secrets, now: SENT_AT }), {
      ok: false,
      reason: 'signature invalid',
    });
  });

  it('accepts a header holding several signatures when any one matches', () => {
    const byOld = delivery(OLD_SECRET).headers['webhook-signature'];
    const byOther = delivery(OTHER_SECRET).headers['webhook-signature'];
    const { body, headers } = delivery(NEW_SECRET);
    const several = `${byOld} v1a,${randomBytes(64).toString('base64')} ${headers['webhook-signature']} ${byOther}`;
    const result = verifyStandard({
      body,
      headers: { ...headers, 'webhook-signature': several },
      secrets: [NEW_SECRET],
      now: SENT_AT,
    });
    assert.equal(result.ok, true);
    const withoutMatch = `${byOld} ${byOther}`;
    const refused = verifyStandard({
      body,
      headers: { ...headers, 'webhook-signature': withoutMatch },
      secrets: [NEW_SECRET],
      now: SENT_AT,
    });
    assert.deepEqual(refused, { ok: false, reason: 'signature invalid' });
  });

  it('refuses timestamps more than 5 minutes old or ahead, and accepts them at exactly 5 minutes', () => {
    const signed = { ...delivery(NEW_SECRET), secrets: [NEW_SECRET] };
    const outOfRange = { ok: false, reason: 'timestamp out of range' };
    assert.deepEqual(verifyStandard({ ...signed, now: secondsAfter(SENT_AT, 301) }), outOfRange);
    assert.deepEqual(verifyStandard({ ...signed, now: secondsAfter(SENT_AT, -301) }), outOfRange);
    assert.deepEqual(verifyStandard({ ...signed, now: secondsAfter(SENT_AT, 3600 * 24) }), outOfRange);
    assert.equal(verifyStandard({ ...signed, now: secondsAfter(SENT_AT, 300) }).ok, true);
    assert.equal(verifyStandard({ ...signed, now: secondsAfter(SENT_AT, -300) }).ok, true);
  });

  it('tells a forged stale delivery only that its signature is invalid', () => {
    const result = verifyStandard({
      ...delivery(OTHER_SECRET),
      secrets: [NEW_SECRET],
      now: secondsAfter(SENT_AT, 3600),
    });
    assert.deepEqual(result, { ok: false, reason: 'signature invalid' });
  });

  it('verifies the raw body bytes, not a re-encoding of them', () => {
    const { body, headers } = delivery(NEW_SECRET);
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]);
    assert.equal(verifyStandard({ body: withBom, headers, secrets: [NEW_SECRET], now: SENT_AT }).ok, false);
  });

  it('skips secrets that are not base64 or hold no key bytes, and still tries the others', () => {
    const signed = delivery(NEW_SECRET);
    for (const broken of ['whsec_', '', 'whsec_!!!', 'whsec_abc']) {
      assert.equal(standardSecretKey(broken), undefined, broken);
      assert.equal(verifyStandard({ ...signed, secrets: [broken], now: SENT_AT }).ok, false);
      assert.equal(verifyStandard({ ...signed, secrets: [broken, NEW_SECRET], now: SENT_AT }).ok, true);
    }
  });

  it('accepts a secret given without its whsec_ prefix, as the library does', () => {
    const result = verifyStandard({
      ...delivery(NEW_SECRET),
      secrets: [NEW_SECRET.slice('whsec_'.length)],
      now: SENT_AT,
    });
    assert.equal(result.ok, true);
  });
});

describe('generateStandardSecret', () => {
  it('makes whsec_ and the base64 of 24 random bytes, a secret the library signs with', () => {
    const secret = generateStandardSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    assert.equal(standardSecretKey(secret)?.length, 24);
    assert.notEqual(generateStandardSecret(), secret);
    assert.equal(verifyStandard({ ...delivery(secret), secrets: [secret], now: SENT_AT }).ok, true);
  });
});
