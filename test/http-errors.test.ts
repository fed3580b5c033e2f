import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERRORS } from './helpers/built.ts';

describe('the error catalog', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

  for (const [code, { status }] of Object.entries(ERRORS)) {
    it(`documents ${code} with status ${status} in the README`, () => {
      assert.match(readme, new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
    });
  }
});
