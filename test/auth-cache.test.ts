// Each server process caches resolved sessions, tokens and users' groups and permissions. Two
// `serve` processes on one database (a SQLite file or a PostgreSQL database): after both have
// answered a caller (their caches warm), a change made through the other process or the CLI
// counts on the very next request to either.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectOk, expectProblem } from './helpers/api.ts';
import { Client } from './helpers/http.ts';
import { type Instances, startInstances } from './helpers/instances.ts';
import { PASSWORD } from './helpers/users.ts';

const ME = '/api/v1/users/authenticated_user';
const USERS = '/api/v1/users/?limit=5';

function bearer(token: string) {
  return { headers: { authorization: `Bearer ${token}` } };
}

/** A client of `url` holding the same cookies as `client`: the browser, sent to another instance. */
function sameBrowser(client: Client, url: string): Client {
  const other = new Client(url);
  for (const [name, value] of client.cookies) other.cookies.set(name, value);
  return other;
}

/** `username` in group `viewers` (users.view), logged in: one client per instance with one session. */
async function viewer({ urls, cli }: Instances, username: string): Promise<Client[]> {
  await cli(['add-user', '--username', username, '--password', PASSWORD]);
  await cli(['add-group-member', '--groupname', 'viewers', '--membername', username]);
  const browser = new Client(urls[0]);
  await browser.login(username, PASSWORD);
  return [browser, sameBrowser(browser, urls[1])];
}

/** Twice on each instance, so the second answer of each comes from a warm cache. */
async function warm(clients: Client[], path: string): Promise<void> {
  for (let round = 0; round < 2; round++) {
    for (const client of clients) await expectOk(await client.get(path));
  }
}

async function warmToken(urls: string[], token: string): Promise<void> {
  for (let round = 0; round < 2; round++) {
    for (const url of urls) await expectOk(await fetch(url + ME, bearer(token)));
  }
}

async function setUp(t: Parameters<typeof startInstances>[0]): Promise<Instances & { admin: Client }> {
  const instances = await startInstances(t, 2);
  const { cli, urls } = instances;
  await cli(['add-user', '--username', 'boss', '--password', PASSWORD]);
  await cli(['add-group', '--groupname', 'admin']);
  await cli(['add-group-member', '--groupname', 'admin', '--membername', 'boss']);
  await cli(['add-group', '--groupname', 'viewers']);
  await cli(['grant', '--groupname', 'viewers', '--permission', 'users.view']);
  const admin = new Client(urls[0]);
  await admin.login('boss', PASSWORD);
  return { ...instances, admin };
}

async function userId(admin: Client, username: string): Promise<number> {
  const { items } = await expectOk(await admin.get('/api/v1/users/?limit=50'));
  return items.find((user: { username: string }) => user.username === username).id;
}

describe('cached sessions, tokens and permissions across two processes', () => {
  it('a revoked, expired or deactivated token stops on both processes at the next request', async (t) => {
    const instances = await setUp(t);
    const { urls, cli, admin } = instances;
    await viewer(instances, 'joe');
    await viewer(instances, 'ann');

    // Nothing in the database changes when a token expires: the cached expiry is checked against the clock.
    const expiring = await cli(['add-token', '--username', 'joe', '--name', 'short', '--expires-in', '4s']);
    const expiresAt = Date.now() + 4000;
    await warmToken(urls, expiring);
    while (Date.now() <= expiresAt) await new Promise((resolve) => setTimeout(resolve, 50));
    for (const url of urls) await expectProblem(await fetch(url + ME, bearer(expiring)), 401, 'unauthenticated');

    const revokedByCli = await cli(['add-token', '--username', 'joe', '--name', 'cli']);
    const revokedByApi = await cli(['add-token', '--username', 'joe', '--name', 'api']);
    const ofDeactivated = await cli(['add-token', '--username', 'ann', '--name', 'ann']);
    for (const token of [revokedByCli, revokedByApi, ofDeactivated]) await warmToken(urls, token);

    const ids = new Map(
      (await cli(['list-tokens']))
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .map(([id, name]) => [name, id]),
    );
    await cli(['revoke-token', '--id', ids.get('cli') ?? '']);
    for (const url of urls) await expectProblem(await fetch(url + ME, bearer(revokedByCli)), 401, 'unauthenticated');

    // Revoked through the first process: the second, whose cache holds the token, refuses it too.
    await expectOk(await fetch(urls[1] + ME, bearer(revokedByApi)));
    const joe = new Client(urls[0]);
    await joe.login('joe', PASSWORD);
    assert.equal((await joe.delete(`/api/v1/tokens/${ids.get('api')}`)).status, 204);
    await expectProblem(await fetch(urls[1] + ME, bearer(revokedByApi)), 401, 'unauthenticated');

    await expectOk(await admin.patch(`/api/v1/users/${await userId(admin, 'ann')}`, { active: false }));
    for (const url of urls) await expectProblem(await fetch(url + ME, bearer(ofDeactivated)), 401, 'unauthenticated');
  });

  it('a permission or membership taken away, a deactivation, a new password and a logout count on the other process at once', async (t) => {
    const instances = await setUp(t);
    const { urls, cli, admin } = instances;

    const joe = await viewer(instances, 'joe');
    await warm(joe, USERS);
    await cli(['revoke', '--groupname', 'viewers', '--permission', 'users.view']);
    for (const client of joe) await expectProblem(await client.get(USERS), 403, 'forbidden');
    // A grant counts at once too: the cache does not keep the old, smaller set either.
    await cli(['grant', '--groupname', 'viewers', '--permission', 'users.view']);
    await warm(joe, USERS);
    await cli(['remove-group-member', '--groupname', 'viewers', '--membername', 'joe']);
    for (const client of joe) await expectProblem(await client.get(USERS), 403, 'forbidden');

    // Taken away through the first process's API: the second's cache has it too.
    const ann = await viewer(instances, 'ann');
    await warm(ann, USERS);
    const viewers = (await expectOk(await admin.get('/api/v1/groups?limit=50'))).items.find(
      (group: { name: string }) => group.name === 'viewers',
    );
    const revoked = await admin.delete(`/api/v1/groups/${viewers.id}/permissions/users.view`);
    assert.equal(revoked.status, 204, await revoked.text());
    await expectProblem(await ann[1].get(USERS), 403, 'forbidden');
    await cli(['grant', '--groupname', 'viewers', '--permission', 'users.view']);

    const deactivated = await viewer(instances, 'max');
    await warm(deactivated, ME);
    await expectOk(await admin.patch(`/api/v1/users/${await userId(admin, 'max')}`, { active: false }));
    await expectProblem(await deactivated[1].get(ME), 401, 'unauthenticated');

    const sue = await viewer(instances, 'sue');
    await warm(sue, ME);
    await cli(['set-password', '--username', 'sue', '--password', `${PASSWORD} 2`]);
    for (const client of sue) await expectProblem(await client.get(ME), 401, 'unauthenticated');

    // A new password set through the API ends the user's other sessions, cached on the other process.
    const kim = await viewer(instances, 'kim');
    const otherBrowser = new Client(urls[0]);
    await otherBrowser.login('kim', PASSWORD);
    await warm(kim, ME);
    const kimId = (await expectOk(await kim[0].get(ME))).id;
    await expectOk(
      await otherBrowser.patch(`/api/v1/users/${kimId}`, { password: `${PASSWORD} 3`, current_password: PASSWORD }),
    );
    await expectOk(await otherBrowser.get(ME));
    await expectProblem(await kim[1].get(ME), 401, 'unauthenticated');

    const leaving = await viewer(instances, 'lea');
    await warm(leaving, ME);
    assert.equal((await leaving[0].post('/api/v1/users/logout')).status, 204);
    await expectProblem(await leaving[1].get(ME), 401, 'unauthenticated');
  });
});
