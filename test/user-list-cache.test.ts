// Each server process keeps the pages of the user list and the users it answered while the user
// list's epoch stays put. Two `serve` processes on one database (a SQLite file or a PostgreSQL database):
// after both have answered a page (their caches warm), every change the page shows, made through
// the other process or the CLI, is on the page at the very next request to either.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectOk } from './helpers/api.ts';
import { Client } from './helpers/http.ts';
import { startInstances } from './helpers/instances.ts';
import { PASSWORD } from './helpers/users.ts';

const PAGE = '/api/v1/users/?limit=10';
const SECOND_PAGE = '/api/v1/users/?limit=1&offset=1';

interface ListedUser {
  id: number;
  username: string;
  email: string;
  groups: string[];
  last_login_at: string | null;
}

interface Page {
  items: ListedUser[];
  total: number;
}

/** `path` as each instance answers it: asked twice each, so the second comes from a warm cache. */
async function answers<T>(clients: Client[], path: string): Promise<T[]> {
  const answered = [];
  for (const client of clients) {
    await expectOk(await client.get(path));
    answered.push(await expectOk(await client.get(path)));
  }
  return answered;
}

const pages = (clients: Client[], path = PAGE) => answers<Page>(clients, path);
const shown = (clients: Client[], id: number | undefined) => answers<ListedUser>(clients, `/api/v1/users/${id}`);

function listed(page: Page, username: string): ListedUser | undefined {
  return page.items.find((user) => user.username === username);
}

describe('cached user list pages and users across two processes', () => {
  it('every change a page shows is on it at the next request to either process', async (t) => {
    const { urls, cli } = await startInstances(t, 2);
    await cli(['add-user', '--username', 'boss', '--password', PASSWORD]);
    await cli(['add-group', '--groupname', 'admin']);
    await cli(['add-group-member', '--groupname', 'admin', '--membername', 'boss']);
    const admins = urls.map((url) => new Client(url));
    for (const admin of admins) await admin.login('boss', PASSWORD);
    const [first] = admins;
    await pages(admins);
    await pages(admins, SECOND_PAGE);

    await cli(['add-user', '--username', 'joe', '--password', PASSWORD]);
    for (const page of await pages(admins)) {
      assert.equal(page.total, 2);
      assert.deepEqual(listed(page, 'joe')?.groups, []);
    }
    for (const page of await pages(admins, SECOND_PAGE))
      assert.deepEqual(
        page.items.map((user) => user.username),
        ['boss'],
      );
    const joe = listed((await pages(admins))[0], 'joe')?.id;

    await shown(admins, joe);
    await expectOk(await first.patch(`/api/v1/users/${joe}`, { email: 'joe@example.org' }));
    for (const page of await pages(admins)) assert.equal(listed(page, 'joe')?.email, 'joe@example.org');
    for (const user of await shown(admins, joe)) assert.equal(user.email, 'joe@example.org');

    await cli(['add-group', '--groupname', 'crew']);
    await cli(['add-group-member', '--groupname', 'crew', '--membername', 'joe']);
    for (const page of await pages(admins)) assert.deepEqual(listed(page, 'joe')?.groups, ['crew']);

    const { items: groups } = await expectOk(await first.get('/api/v1/groups?limit=10'));
    const crew = groups.find((group: { name: string }) => group.name === 'crew').id;
    await expectOk(await first.patch(`/api/v1/groups/${crew}`, { name: 'team' }));
    for (const page of await pages(admins)) assert.deepEqual(listed(page, 'joe')?.groups, ['team']);
    for (const user of await shown(admins, joe)) assert.deepEqual(user.groups, ['team']);

    await new Client(urls[1]).login('joe', PASSWORD);
    for (const page of await pages(admins)) assert.notEqual(listed(page, 'joe')?.last_login_at, null);

    await cli(['remove-group-member', '--groupname', 'team', '--membername', 'joe']);
    for (const page of await pages(admins)) assert.deepEqual(listed(page, 'joe')?.groups, []);

    const removed = await admins[1].delete(`/api/v1/users/${joe}`);
    assert.equal(removed.status, 204);
    for (const page of await pages(admins)) {
      assert.equal(page.total, 1);
      assert.equal(listed(page, 'joe'), undefined);
    }
    for (const page of await pages(admins, SECOND_PAGE)) assert.deepEqual(page.items, []);
    for (const admin of admins) assert.equal((await admin.get(`/api/v1/users/${joe}`)).status, 404);
  });
});
