import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { safeNextPath } from './safe-next-path.ts';

// What `next` holds once the query string is decoded, and whether it is followed.
const kept = [
  '/',
  '/links',
  '/links?q=example&limit=10',
  '/links?q=https%3A%2F%2Fexample.org%2F',
  '/a/b/c#section',
  '/caf%C3%A9',
  '/a%20b',
  '/a//b',
  '/javascript:alert(1)',
];

const refused = [
  '',
  'links',
  '//evil.example',
  '///evil.example',
  '/\\evil.example',
  '\\/evil.example',
  '/a\\b',
  '/\t/evil.example',
  '\t//evil.example',
  '/\n/evil.example',
  '/ /evil.example',
  ' /links',
  '/links\r\nSet-Cookie: x=1',
  '/links\r',
  '/links\n',
  '/links\0',
  '/\x7f/evil.example',
  '/%09/evil.example',
  '/%0a/evil.example',
  '/%0d%0a/evil.example',
  '/%00',
  '/%2F/evil.example',
  '/%2f%2fevil.example',
  '%2F%2Fevil.example',
  '/%5C/evil.example',
  '/%5cevil.example',
  '/a%5Cb',
  '/%252F/evil.example',
  '/%25252F/evil.example',
  '/%2525252F/evil.example',
  '/%',
  '/%E0%A4%A',
  '/%C2%85',
  '/café',
  '/€',
  '/\u2028',
  '/\uD800',
  'https://evil.example',
  'http:/evil.example',
  '//evil.example/links',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  '/a/..//evil.example',
];

describe('safeNextPath', () => {
  for (const next of kept) {
    it(`follows ${JSON.stringify(next)}`, () => {
      assert.equal(safeNextPath(next), next);
    });
  }

  for (const next of refused) {
    it(`goes home instead of ${JSON.stringify(next)}`, () => {
      assert.equal(safeNextPath(next), '/');
    });
  }

  it('goes home for anything that is not a string', () => {
    for (const next of [undefined, null, 1, ['/links'], { toString: () => '/links' }]) {
      assert.equal(safeNextPath(next), '/');
    }
  });
});
