import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../src/core/db.ts';
import { assertMigrated, buildApp, createDb, loadConfig, migrateToLatest, packages } from './built.ts';
import { createTestDatabase } from './database.ts';

export const TEST_SECRET_KEY = 'test-secret-key-that-is-long-enough-0123456789';

export interface TestServer {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  app: FastifyInstance;
  db: Db;
  databaseUrl: string;
}

/**
 * A real server on a free loopback port over a fresh, migrated database, closed and dropped
 * when the test ends. `env` adds ENDPOINT_* settings; `setupToken` opens /setup; `databaseUrl`
 * starts it over another test server's database.
 */
export async function startTestServer(
  t: Pick<TestContext, 'after'>,
  options: { env?: Record<string, string>; setupToken?: string; databaseUrl?: string } = {},
): Promise<TestServer> {
  // A second server on another's database shares it and leaves dropping it to the first.
  const database = options.databaseUrl
    ? { url: options.databaseUrl, drop: async () => {} }
    : await createTestDatabase();
  const config = loadConfig({
    ENDPOINT_DATABASE_URL: database.url,
    ENDPOINT_SECRET_KEY: TEST_SECRET_KEY,
    ENDPOINT_LOG_LEVEL: 'silent',
    ...options.env,
  });
  const db = createDb(config.databaseUrl);
  assertMigrated(await migrateToLatest(db, packages));
  const app = await buildApp(config, { db, setupToken: options.setupToken });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(async () => {
    await app.close();
    await db.destroy();
    await database.drop();
  });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, app, db, databaseUrl: database.url };
}
