import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { secretWeakness, type VerifyMode } from './registry.ts';
import { generateStandardSecret } from './standard.ts';

describe('secretWeakness', () => {
  const refused: [VerifyMode, string, RegExp][] = [
    ['standard', 'whsec_AA==', /at least 24 bytes .*, not 1$/],
    ['standard', `whsec_${randomBytes(23).toString('base64')}`, /at least 24 bytes/],
    ['standard', 'not base64!', /whsec_ followed by base64/],
    ['github', 'x', /at least 16 characters/],
    ['github', 'fifteen-chars!!', /at least 16 characters/],
    ['stripe', 'whsec_0123456789abcde', /at least 16 characters after any whsec_/],
    ['twilio', 't', /32 hexadecimal characters/],
    ['twilio', `AC${'0'.repeat(32)}`, /32 hexadecimal characters/],
  ];
  for (const [mode, secret, reason] of refused) {
    it(`refuses ${mode} secret ${JSON.stringify(secret)}`, () => {
      assert.match(secretWeakness(mode, secret) ?? '', reason);
    });
  }

  const accepted: [VerifyMode, string][] = [
    ['standard', generateStandardSecret()],
    ['standard', randomBytes(24).toString('base64')],
    ['standard', `whsec_${randomBytes(64).toString('base64')}`],
    ['github', 'sixteen-chars!!!'],
    ['stripe', 'whsec_0123456789abcdef'],
    ['stripe', '0123456789abcdef'],
    ['twilio', randomBytes(16).toString('hex')],
  ];
  for (const [mode, secret] of accepted) {
    it(`accepts ${mode} secret ${JSON.stringify(secret)}`, () => {
      assert.equal(secretWeakness(mode, secret), undefined);
    });
  }
});
