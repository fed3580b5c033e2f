import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { passwordWeakness } from './passwords.ts';

describe('passwordWeakness', () => {
  const weak: [string, RegExp][] = [
    ['short', /at least 8 characters/],
    ['password1', /too common/],
    [' '.repeat(12), /only spaces/],
    ['\t \n\u00a0'.repeat(3), /only spaces/],
    ['aaaaaaaaaaaa', /one character repeated/],
    ['ZZZZZZZZ', /one character repeated/],
    ['💥'.repeat(8), /one character repeated/],
  ];
  for (const [password, reason] of weak) {
    it(`refuses ${JSON.stringify(password)}`, () => {
      assert.match(passwordWeakness(password) ?? '', reason);
    });
  }

  it('accepts a long password of spaces and words, or of two characters', () => {
    assert.equal(passwordWeakness('  correct horse  '), undefined);
    assert.equal(passwordWeakness('abababababab'), undefined);
  });
});
