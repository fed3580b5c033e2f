import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify, { type RouteShorthandOptions } from 'fastify';
import { apiScope } from './api-scope.ts';

/** Starts an /api scope holding one route with `options`; answers why it would not start, if it would not. */
async function startWithRoute(options: RouteShorthandOptions): Promise<string | undefined> {
  const app = Fastify();
  app.decorate('permissions', new Map([['notes.add', 'Write notes']]));
  try {
    await app.register(async (api) => {
      await apiScope(api);
      api.post('/notes', options, async () => null);
    });
    await app.ready();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await app.close();
  }
}

describe('the /api scope', () => {
  it('refuses to start with a route that declares neither a permission nor public: true', async () => {
    assert.match(
      (await startWithRoute({})) ?? 'started',
      /route POST \/notes must declare who may call it: config: \{ permission: '<codename>' \}/,
    );
  });

  it('refuses to start with a route requiring a permission no package declares', async () => {
    assert.match(
      (await startWithRoute({ config: { permission: 'note.add' } })) ?? 'started',
      /requires permission note\.add, which no package declares/,
    );
  });

  it('starts with routes that declare a permission, any caller or public', async () => {
    for (const config of [{ permission: 'notes.add' }, { permission: 'caller' }, { public: true }]) {
      assert.equal(await startWithRoute({ config }), undefined, JSON.stringify(config));
    }
  });
});
