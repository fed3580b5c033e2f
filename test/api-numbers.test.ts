import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectOk, expectProblem } from './helpers/api.ts';
import { addHook } from './helpers/hooks.ts';
import { Client } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';
import { createUser, PASSWORD } from './helpers/users.ts';

// Numbers a client may spell that are no integer in range: beyond a double (1e309 parses to
// Infinity), spelled out infinities, fractions, and one past each end of the documented range.
const BEYOND = ['1e309', '-1e309', 'Infinity', '-Infinity', '1e400'];
const NOT_IN_RANGE = { limit: ['0', '201', '1.5', ...BEYOND], offset: ['-1', '2147483648', '0.5', ...BEYOND] };
const BAD_IDS = ['0', '2147483648', '1.5', ...BEYOND];

async function setUp(t: Parameters<typeof startTestServer>[0]) {
  const server = await startTestServer(t);
  await createUser(server.app, 'root', { groups: ['admin'] });
  await addHook(server.app, 'numbers', 'standard');
  const admin = new Client(server.url);
  await admin.login('root', PASSWORD);
  const group = await server.app.users.getGroupByName('admin');
  const lists = [
    '/api/v1/users',
    '/api/v1/users/',
    '/api/v1/groups',
    '/api/v1/permissions',
    '/api/v1/tokens',
    '/api/v1/hooks',
    `/api/v1/groups/${group.id}/members`,
    `/api/v1/groups/${group.id}/permissions`,
    '/api/v1/hooks/numbers/deliveries',
  ];
  return { server, admin, lists };
}

describe('numbers in API requests', () => {
  it('refuses a limit or offset beyond range or not an integer with 400 on every list, and takes the largest', async (t) => {
    const { admin, lists } = await setUp(t);
    for (const list of lists) {
      const page = await expectOk(await admin.get(`${list}?offset=2147483647&limit=200`));
      assert.deepEqual(page.items, [], list);
      assert.equal(page.offset, 2147483647, list);
      for (const [name, values] of Object.entries(NOT_IN_RANGE)) {
        for (const value of values) {
          const response = await admin.get(`${list}?${name}=${value}`);
          const problem = await expectProblem(response, 400, 'validation_failed');
          assert.match(String(problem.detail), new RegExp(`querystring/${name}`), `${list}?${name}=${value}`);
        }
      }
    }
  });

  it('refuses an id beyond range or not an integer with 400, in the path, the query or before a body', async (t) => {
    const { server, admin } = await setUp(t);
    const group = await server.app.users.getGroupByName('admin');
    for (const id of BAD_IDS) {
      await expectProblem(await admin.get(`/api/v1/users/${id}`), 400, 'validation_failed');
      await expectProblem(await admin.patch(`/api/v1/users/${id}`, { first_name: 'x' }), 400, 'validation_failed');
      await expectProblem(await admin.get(`/api/v1/groups/${id}/members`), 400, 'validation_failed');
      await expectProblem(await admin.put(`/api/v1/groups/${group.id}/members/${id}`), 400, 'validation_failed');
      await expectProblem(await admin.get(`/api/v1/tokens?user_id=${id}`), 400, 'validation_failed');
      await expectProblem(await admin.get(`/api/v1/deliveries/${id}`), 400, 'validation_failed');
      await expectProblem(await admin.delete(`/api/v1/tokens/${id}`), 400, 'validation_failed');
    }
  });

  it('refuses an offset beyond a double on the links page with a 400 page', async (t) => {
    const { admin } = await setUp(t);
    const response = await admin.get('/links?offset=1e309');
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  });
});
