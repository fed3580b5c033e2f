import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liveSecrets, parseSecrets, rotateSecrets, serializeSecrets } from './secret-list.ts';

const HOUR = 3_600_000;
const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);

describe('a hook secrets column', () => {
  it('reads the plain strings written before rotation existed as secrets that never expire', () => {
    assert.deepEqual(parseSecrets('["v1.a", "v1.b"]'), [
      { sealed: 'v1.a', expiresAt: null },
      { sealed: 'v1.b', expiresAt: null },
    ]);
    assert.deepEqual(liveSecrets(parseSecrets('["v1.a"]'), at(10_000)).length, 1);
  });

  it('keeps replaced secrets until the overlap ends, an earlier end of their own winning', () => {
    const first = rotateSecrets(parseSecrets('["v1.a"]'), 'v1.b', 24 * HOUR, T0);
    assert.deepEqual(first, [
      { sealed: 'v1.b', expiresAt: null },
      { sealed: 'v1.a', expiresAt: at(24).toISOString() },
    ]);
    // A second rotation with a longer overlap does not lengthen the first's window.
    const second = rotateSecrets(parseSecrets(serializeSecrets(first)), 'v1.c', 48 * HOUR, at(1));
    assert.deepEqual(
      second.map(({ sealed, expiresAt }) => [sealed, expiresAt]),
      [
        ['v1.c', null],
        ['v1.b', at(49).toISOString()],
        ['v1.a', at(24).toISOString()],
      ],
    );
    assert.deepEqual(
      liveSecrets(second, at(24)).map(({ sealed }) => sealed),
      ['v1.c', 'v1.b'],
    );
    assert.deepEqual(
      liveSecrets(second, at(49)).map(({ sealed }) => sealed),
      ['v1.c'],
    );
  });

  it('drops expired secrets at a rotation, and every old one with no overlap', () => {
    const rotated = rotateSecrets(parseSecrets('["v1.a"]'), 'v1.b', HOUR, T0);
    assert.deepEqual(
      rotateSecrets(rotated, 'v1.c', HOUR, at(2)).map(({ sealed }) => sealed),
      ['v1.c', 'v1.b'],
    );
    assert.deepEqual(rotateSecrets(rotated, 'v1.c', 0, T0), [{ sealed: 'v1.c', expiresAt: null }]);
  });
});
