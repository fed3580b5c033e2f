import assert from 'node:assert/strict';
import { it } from 'node:test';
import { codeForStatus } from './http-errors.ts';

it('gives a status without a code of its own the generic code listed first for it', () => {
  assert.equal(codeForStatus(400), 'bad_request');
  assert.equal(codeForStatus(401), 'unauthenticated');
  assert.equal(codeForStatus(403), 'forbidden');
  assert.equal(codeForStatus(418), 'bad_request');
  assert.equal(codeForStatus(502), 'internal');
});
