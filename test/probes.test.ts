import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestServer } from './helpers/server.ts';

describe('health probes', () => {
  it('answers /healthz and /readyz with ok while the database is reachable', async (t) => {
    const server = await startTestServer(t);
    for (const path of ['/healthz', '/readyz']) {
      const response = await fetch(server.url + path);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { status: 'ok' });
    }
  });

  it('answers /readyz with 503 problem+json once the database is gone', async (t) => {
    const server = await startTestServer(t);
    await server.db.destroy();
    const response = await fetch(`${server.url}/readyz`);
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(((await response.json()) as { code: string }).code, 'unavailable');
  });
});
