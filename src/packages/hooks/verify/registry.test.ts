import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VERIFY_SCHEMES } from './registry.ts';

// Generated secrets skip the strength check that given ones pass, so a scheme whose generator
// made weaker secrets than its own rule asks for would hand them out unnoticed.
describe('VERIFY_SCHEMES', () => {
  for (const [mode, { secret }] of Object.entries(VERIFY_SCHEMES)) {
    if (!('generate' in secret)) continue;
    it(`generates ${mode} secrets that its own strength rule accepts, different each time`, () => {
      const generated = secret.generate();
      assert.equal(secret.weakness(generated), undefined);
      assert.notEqual(secret.generate(), generated);
    });
  }
});
