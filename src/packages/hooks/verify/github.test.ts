import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { sign, verify } from '@octokit/webhooks-methods';
import { verifyGithub } from './github.ts';

const OLD_SECRET = 'old-github-secret';
const NEW_SECRET = 'new-github-secret';
const OTHER_SECRET = 'someone-elses-secret';
const PAYLOAD = JSON.stringify({ action: 'opened', issue: { number: 7, title: 'Grüße' } });
const DELIVERY_ID = '72d3162e-cc78-11e3-81ab-4c9367dc0958';

// A delivery signed by the sender's own library.
async function delivery(secret: string, payload = PAYLOAD) {
  return {
    body: Buffer.from(payload),
    headers: {
      'x-hub-signature-256': await sign(secret, payload),
      'x-github-delivery': DELIVERY_ID,
      'x-github-event': 'issues',
    },
  };
}

const invalid = { ok: false, reason: 'signature invalid' };

describe('verifyGithub', () => {
  it('accepts a delivery signed by @octokit/webhooks-methods and gives its delivery id and event', async () => {
    const signed = await delivery(NEW_SECRET);
    assert.equal(await verify(NEW_SECRET, PAYLOAD, signed.headers['x-hub-signature-256']), true);
    assert.deepEqual(verifyGithub({ ...signed, secrets: [NEW_SECRET] }), {
      ok: true,
      deliveryId: DELIVERY_ID,
      event: 'issues',
    });
  });

  it('accepts a signed delivery without delivery or event headers, which are not signed', async () => {
    const { body, headers } = await delivery(NEW_SECRET);
    const signatureOnly = { 'x-hub-signature-256': headers['x-hub-signature-256'] };
    assert.deepEqual(verifyGithub({ body, headers: signatureOnly, secrets: [NEW_SECRET] }), {
      ok: true,
      deliveryId: undefined,
      event: undefined,
    });
  });

  it('refuses a tampered body', async () => {
    const { headers } = await delivery(NEW_SECRET);
    const body = Buffer.from(PAYLOAD.replace('opened', 'closed'));
    assert.deepEqual(verifyGithub({ body, headers, secrets: [NEW_SECRET] }), invalid);
  });

  it('refuses a delivery signed with another secret', async () => {
    assert.deepEqual(verifyGithub({ ...(await delivery(OTHER_SECRET)), secrets: [NEW_SECRET] }), invalid);
  });

  it('answers missing header without X-Hub-Signature-256, or with it empty', async () => {
    const { body, headers } = await delivery(NEW_SECRET);
    for (const value of [undefined, '']) {
      const result = verifyGithub({
        body,
        headers: { ...headers, 'x-hub-signature-256': value },
        secrets: [NEW_SECRET],
      });
      assert.deepEqual(result, { ok: false, reason: 'missing header' });
    }
  });

  it('refuses malformed signature headers without throwing', async () => {
    const { body, headers } = await delivery(NEW_SECRET);
    const hex = headers['x-hub-signature-256'].slice('sha256='.length);
    const sha1 = createHmac('sha1', NEW_SECRET).update(body).digest('hex');
    const malformed = [
      'garbage',
      'sha256=',
      'sha256=not-hex-at-all',
      `sha256=${hex.slice(0, -1)}`,
      `sha256=${hex.slice(0, -2)}`,
      `sha256=${hex}00`,
      `sha256=${randomBytes(16).toString('hex')}`,
      `sha256 =${hex}`,
      `SHA256=${hex}`,
      `sha1=${sha1}`,
      hex,
    ];
    for (const value of malformed) {
      const result = verifyGithub({
        body,
        headers: { ...headers, 'x-hub-signature-256': value },
        secrets: [NEW_SECRET],
      });
      assert.deepEqual(result, invalid, value);
    }
  });

  it('accepts a signature by either secret during a rotation, and refuses a third', async () => {
    const secrets = [OLD_SECRET, NEW_SECRET];
    assert.equal(verifyGithub({ ...(await delivery(OLD_SECRET)), secrets }).ok, true);
    assert.equal(verifyGithub({ ...(await delivery(NEW_SECRET)), secrets }).ok, true);
    assert.deepEqual(verifyGithub({ ...(await delivery(OTHER_SECRET)), secrets }), invalid);
  });

  it('never accepts a signature made with an empty secret', () => {
    const body = Buffer.from(PAYLOAD);
    const headers = { 'x-hub-signature-256': `sha256=${createHmac('sha256', '').update(body).digest('hex')}` };
    assert.deepEqual(verifyGithub({ body, headers, secrets: [''] }), invalid);
  });

  it('verifies the raw body bytes, so an empty body can be signed too', () => {
    const body = Buffer.alloc(0);
    const headers = { 'x-hub-signature-256': `sha256=${createHmac('sha256', NEW_SECRET).update(body).digest('hex')}` };
    assert.equal(verifyGithub({ body, headers, secrets: [NEW_SECRET] }).ok, true);
  });
});
