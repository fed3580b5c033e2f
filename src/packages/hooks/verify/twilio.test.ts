import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { stringify } from 'node:querystring';
import { describe, it } from 'node:test';
import twilio from 'twilio';
import { MAX_TWILIO_FORM_BYTES, MAX_TWILIO_PARAM_BYTES, MAX_TWILIO_PARAMS, verifyTwilio } from './twilio.ts';

type Params = Record<string, string | string[]>;

const OLD_TOKEN = '0123456789abcdef0123456789abcdef';
const NEW_TOKEN = 'fedcba9876543210fedcba9876543210';
const OTHER_TOKEN = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const HOOK_URL = 'https://endpoint.example.com/hooks/sms';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const SMS: Record<string, string> = {
  AccountSid: 'AC0123456789abcdef0123456789abcdef',
  MessageSid: 'SM0123456789abcdef0123456789abcdef',
  From: '+15005550006',
  To: '+15005550001',
  Body: 'Save https://example.org and www.example.net 🙂',
  NumMedia: '0',
};

// The headers of a request signed by the sender's own library.
function signedHeaders(token: string, url = HOOK_URL, params: Params = SMS) {
  return {
    ...FORM,
    'x-twilio-signature': twilio.getExpectedTwilioSignature(token, url, params as Record<string, string>),
  };
}

const invalid = { ok: false, reason: 'signature invalid' };

// The body Twilio posts: the parameters urlencoded, a list as the name repeated.
function form(params: Params): Buffer {
  return Buffer.from(stringify(params));
}

describe('verifyTwilio', () => {
  it('accepts an SMS signed by the twilio library and gives its MessageSid', () => {
    const headers = signedHeaders(NEW_TOKEN);
    assert.equal(twilio.validateRequest(NEW_TOKEN, headers['x-twilio-signature'], HOOK_URL, SMS), true);
    assert.deepEqual(verifyTwilio({ headers, secrets: [NEW_TOKEN], url: HOOK_URL, body: form(SMS) }), {
      ok: true,
      deliveryId: SMS.MessageSid,
    });
  });

  it('gives the CallSid of a voice call, and no delivery id when there is neither', () => {
    const call = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15005550006' };
    const answered = verifyTwilio({
      headers: signedHeaders(NEW_TOKEN, HOOK_URL, call),
      secrets: [NEW_TOKEN],
      url: HOOK_URL,
      body: form(call),
    });
    assert.deepEqual(answered, { ok: true, deliveryId: call.CallSid });
    const bare = { From: '+15005550006' };
    const anonymous = verifyTwilio({
      headers: signedHeaders(NEW_TOKEN, HOOK_URL, bare),
      secrets: [NEW_TOKEN],
      url: HOOK_URL,
      body: form(bare),
    });
    assert.deepEqual(anonymous, { ok: true, deliveryId: undefined });
  });

  it('refuses tampered, added or removed form parameters', () => {
    const headers = signedHeaders(NEW_TOKEN);
    const { NumMedia: _removed, ...withoutOne } = SMS;
    for (const params of [{ ...SMS, Body: 'Save https://evil.example' }, { ...SMS, Extra: 'x' }, withoutOne]) {
      assert.deepEqual(verifyTwilio({ headers, secrets: [NEW_TOKEN], url: HOOK_URL, body: form(params) }), invalid);
    }
  });

  it('refuses a request signed with another auth token', () => {
    const result = verifyTwilio({
      headers: signedHeaders(OTHER_TOKEN),
      secrets: [NEW_TOKEN],
      url: HOOK_URL,
      body: form(SMS),
    });
    assert.deepEqual(result, invalid);
  });

  it('answers missing header without X-Twilio-Signature, or with it empty', () => {
    for (const headers of [FORM, { ...FORM, 'x-twilio-signature': '' }]) {
      assert.deepEqual(verifyTwilio({ headers, secrets: [NEW_TOKEN], url: HOOK_URL, body: form(SMS) }), {
        ok: false,
        reason: 'missing header',
      });
    }
  });

  it('refuses malformed signature headers without throwing', () => {
    const signature = signedHeaders(NEW_TOKEN)['x-twilio-signature'];
    const malformed = [
      'garbage!',
      signature.slice(0, -1),
      signature.slice(0, -4),
      `${signature}AAAA`,
      Buffer.from(signature, 'base64').toString('base64url'),
      Buffer.from(signature, 'base64').toString('hex'),
      randomBytes(32).toString('base64'),
      ` ${signature}`,
    ];
    for (const value of malformed) {
      const headers = { ...FORM, 'x-twilio-signature': value };
      assert.deepEqual(verifyTwilio({ headers, secrets: [NEW_TOKEN], url: HOOK_URL, body: form(SMS) }), invalid, value);
    }
  });

  it('refuses a request that is not a form post, and accepts a form with a charset', () => {
    const { 'x-twilio-signature': signature } = signedHeaders(NEW_TOKEN);
    for (const contentType of [undefined, 'application/json', 'text/plain', 'multipart/form-data; boundary=x']) {
      const headers = { 'content-type': contentType, 'x-twilio-signature': signature };
      assert.deepEqual(
        verifyTwilio({ headers, secrets: [NEW_TOKEN], url: HOOK_URL, body: form(SMS) }),
        invalid,
        contentType,
      );
    }
    for (const contentType of [
      'application/x-www-form-urlencoded; charset=UTF-8',
      'Application/X-WWW-Form-Urlencoded',
    ]) {
      const headers = { 'content-type': contentType, 'x-twilio-signature': signature };
      assert.equal(
        verifyTwilio({ headers, secrets: [NEW_TOKEN], url: HOOK_URL, body: form(SMS) }).ok,
        true,
        contentType,
      );
    }
  });

  it('accepts a signature by either auth token during a rotation, and refuses a third', () => {
    const secrets = [OLD_TOKEN, NEW_TOKEN];
    assert.equal(verifyTwilio({ headers: signedHeaders(OLD_TOKEN), secrets, url: HOOK_URL, body: form(SMS) }).ok, true);
    assert.equal(verifyTwilio({ headers: signedHeaders(NEW_TOKEN), secrets, url: HOOK_URL, body: form(SMS) }).ok, true);
    assert.deepEqual(
      verifyTwilio({ headers: signedHeaders(OTHER_TOKEN), secrets, url: HOOK_URL, body: form(SMS) }),
      invalid,
    );
  });

  it('never accepts a signature made with an empty auth token', () => {
    const signature = createHmac('sha1', '').update(HOOK_URL).digest('base64');
    const headers = { ...FORM, 'x-twilio-signature': signature };
    assert.deepEqual(verifyTwilio({ headers, secrets: [''], url: HOOK_URL, body: form({}) }), invalid);
  });

  it('signs parameter names in case-sensitive order and repeated values once each, as the library does', () => {
    const params = { b: '1', B: '2', a: ['z', 'y', 'z'], A: '', '10': 'ten', '9': 'nine' };
    const headers = signedHeaders(NEW_TOKEN, HOOK_URL, params);
    assert.equal(twilio.validateRequest(NEW_TOKEN, headers['x-twilio-signature'], HOOK_URL, params), true);
    assert.equal(verifyTwilio({ headers, secrets: [NEW_TOKEN], url: HOOK_URL, body: form(params) }).ok, true);
    const duplicateDropped = { ...params, a: ['y', 'z'] };
    assert.equal(verifyTwilio({ headers, secrets: [NEW_TOKEN], url: HOOK_URL, body: form(duplicateDropped) }).ok, true);
  });

  it('verifies a signed form at its bounds, and refuses one parameter or one byte more unparsed', () => {
    // Each `name=value` counts as it is sent: the name, `=` and the value, percent-encoded.
    const longest: Params = { Body: 'x'.repeat(MAX_TWILIO_PARAM_BYTES - 'Body='.length) };
    const fillers = MAX_TWILIO_PARAMS - 2;
    const fillerBytes = Math.floor((MAX_TWILIO_FORM_BYTES - MAX_TWILIO_PARAM_BYTES - 'Last=x&'.length) / fillers);
    const atBounds: Params = { ...longest };
    for (let index = 0; index < fillers; index++) {
      const name = `P${String(index).padStart(3, '0')}`;
      atBounds[name] = 'y'.repeat(fillerBytes - `&${name}=`.length);
    }
    const rest = MAX_TWILIO_FORM_BYTES - form(atBounds).length - '&Last='.length;
    atBounds.Last = 'z'.repeat(rest);
    assert.equal(form(atBounds).length, MAX_TWILIO_FORM_BYTES);
    assert.equal(Object.keys(atBounds).length, MAX_TWILIO_PARAMS);

    const verify = (params: Params) => {
      const headers = signedHeaders(NEW_TOKEN, HOOK_URL, params);
      return verifyTwilio({ headers, secrets: [NEW_TOKEN], url: HOOK_URL, body: form(params) });
    };
    assert.equal(verify(atBounds).ok, true);
    const { P000: _dropped, ...roomForOneMore } = atBounds;
    const tooMany = { ...roomForOneMore, A: '1', B: '2' };
    const tooLong = { ...roomForOneMore, Body: `${atBounds.Body}x` };
    const tooBig = { ...atBounds, Last: `${atBounds.Last}z` };
    for (const params of [tooMany, tooLong, tooBig]) {
      assert.deepEqual(verify(params), { ok: false, reason: 'form too large' });
    }
    const headers = signedHeaders(NEW_TOKEN, HOOK_URL, {});
    const empties = Buffer.from('&'.repeat(MAX_TWILIO_PARAMS));
    assert.deepEqual(verifyTwilio({ headers, secrets: [NEW_TOKEN], url: HOOK_URL, body: empties }), {
      ok: false,
      reason: 'form too large',
    });
  });

  // [HOOK_URL Twilio signed, HOOK_URL the server reconstructed, whether the library accepts it]
  const urls: [string, string, boolean][] = [
    ['https://endpoint.example.com/hooks/sms', 'https://endpoint.example.com/hooks/sms', true],
    ['https://endpoint.example.com:443/hooks/sms', 'https://endpoint.example.com/hooks/sms', true],
    ['https://endpoint.example.com/hooks/sms', 'https://endpoint.example.com:443/hooks/sms', true],
    ['http://endpoint.example.com:80/twilio/sms', 'http://endpoint.example.com/twilio/sms', true],
    ['https://endpoint.example.com/hooks/sms', 'https://endpoint.example.com:8443/hooks/sms', true],
    ['https://endpoint.example.com:8443/hooks/sms', 'https://endpoint.example.com/hooks/sms', false],
    ['https://endpoint.example.com:8443/hooks/sms', 'https://endpoint.example.com:8443/hooks/sms', true],
    ['https://[2001:db8::1]/hooks/sms', 'https://[2001:db8::1]:443/hooks/sms', true],
    ['https://user:pass@endpoint.example.com/hooks/sms', 'https://user:pass@endpoint.example.com:443/hooks/sms', true],
    [
      "https://endpoint.example.com/hooks/sms?name=O'Brien",
      "https://endpoint.example.com/hooks/sms?name=O'Brien",
      true,
    ],
    [
      'https://endpoint.example.com/hooks/sms?name=O%27Brien',
      "https://endpoint.example.com/hooks/sms?name=O'Brien",
      true,
    ],
    ['https://endpoint.example.com/hooks/sms?q=a%20b', 'https://endpoint.example.com/hooks/sms?q=a+b', true],
    ['https://endpoint.example.com/hooks/sms', 'https://ENDPOINT.example.com/hooks/sms', true],
    ['https://endpoint.example.com/hooks/sms?a=1', 'https://endpoint.example.com/hooks/sms?a=2', false],
    ['https://endpoint.example.com/hooks/sms', 'https://endpoint.example.com/hooks/sms/', false],
    ['https://endpoint.example.com/hooks/sms', 'http://endpoint.example.com/hooks/sms', false],
    ['https://endpoint.example.com/hooks/sms', 'https://other.example.com/hooks/sms', false],
  ];
  for (const [signedUrl, receivedUrl, accepted] of urls) {
    it(`${accepted ? 'accepts' : 'refuses'} ${signedUrl} received as ${receivedUrl}, as validateRequest does`, () => {
      const headers = signedHeaders(NEW_TOKEN, signedUrl);
      assert.equal(twilio.validateRequest(NEW_TOKEN, headers['x-twilio-signature'], receivedUrl, SMS), accepted);
      assert.equal(verifyTwilio({ headers, secrets: [NEW_TOKEN], url: receivedUrl, body: form(SMS) }).ok, accepted);
    });
  }

  it('refuses, without throwing, a HOOK_URL that does not parse', () => {
    for (const url of ['not a url', '', 'https://']) {
      const headers = signedHeaders(NEW_TOKEN, HOOK_URL);
      assert.deepEqual(verifyTwilio({ headers, secrets: [NEW_TOKEN], url, body: form(SMS) }), invalid, url);
    }
  });
});
