import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSecretBox, SecretBoxError } from './secret-box.ts';

const KEY = 'a-test-secret-key-of-at-least-32-characters';
const box = createSecretBox(KEY);

// Flips one bit of one decoded part (1 = iv, 2 = ciphertext, 3 = tag) and re-encodes it canonically.
function flipBit(sealed: string, part: 1 | 2 | 3): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part] ?? '', 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

const isSecretBoxError = (error: unknown) => error instanceof SecretBoxError && error.name === 'SecretBoxError';

describe('createSecretBox', () => {
  it('opens what it sealed, including empty and non-ASCII secrets', () => {
    for (const plaintext of ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '', 'ключ 🔑']) {
      assert.equal(box.open(box.seal(plaintext)), plaintext);
    }
  });

  it('seals to a versioned v1.<iv>.<ciphertext>.<tag> string that does not contain the secret', () => {
    const sealed = box.seal('twilio-auth-token');
    assert.match(sealed, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    assert.ok(!sealed.includes('twilio'));
  });

  it('uses a different IV each time, so equal secrets seal differently', () => {
    const first = box.seal('same');
    const second = box.seal('same');
    assert.notEqual(first.split('.')[1], second.split('.')[1]);
    assert.notEqual(first, second);
  });

  it('opens a value sealed by another box over the same key', () => {
    assert.equal(createSecretBox(KEY).open(box.seal('shared')), 'shared');
  });

  it('refuses a value sealed under another key, even one its own box has opened', () => {
    const other = createSecretBox(`${KEY}-rotated`);
    const sealed = box.seal('secret');
    assert.equal(box.open(sealed), 'secret');
    assert.throws(() => other.open(sealed), isSecretBoxError);
  });

  for (const [name, part] of [
    ['IV', 1],
    ['ciphertext', 2],
    ['tag', 3],
  ] as const) {
    it(`refuses a value whose ${name} was altered`, () => {
      assert.throws(() => box.open(flipBit(box.seal('secret'), part)), isSecretBoxError);
    });

    it(`refuses a value whose ${name} was altered after the original was opened`, () => {
      const sealed = box.seal('secret');
      assert.equal(box.open(sealed), 'secret');
      assert.throws(() => box.open(flipBit(sealed, part)), isSecretBoxError);
      assert.equal(box.open(sealed), 'secret');
    });
  }

  it('refuses malformed sealed values with the same named error', () => {
    const sealed = box.seal('secret');
    const [, iv, ciphertext, tag] = sealed.split('.');
    const malformed = [
      '',
      'garbage',
      sealed.replace(/^v1\./, 'v2.'),
      `${sealed}.extra`,
      `v1.${iv}.${ciphertext}`,
      `v1.${iv}.${ciphertext}.${tag}=`,
      `v1.${iv}.${ciphertext}.!!${tag}`,
      `v1.${iv?.slice(4)}.${ciphertext}.${tag}`,
      `v1.${iv}.${ciphertext}.${tag?.slice(0, 16)}`,
      `v1.${iv}..${tag}`,
    ];
    for (const value of malformed) {
      assert.throws(() => box.open(value), isSecretBoxError, JSON.stringify(value));
    }
  });

  it('refuses a value whose last character was changed even where base64url would decode it alike', () => {
    const sealed = box.seal('secret');
    const last = sealed.at(-1) === 'A' ? 'B' : 'A';
    assert.throws(() => box.open(sealed.slice(0, -1) + last), isSecretBoxError);
  });

  it('refuses to work without a secret key', () => {
    assert.throws(() => createSecretBox(''), isSecretBoxError);
  });
});
