import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type TestDatabaseKind = 'sqlite' | 'postgres';

/** Which database this run of the suite uses; test/run.mjs runs the suite once for each. */
export const DATABASE_KIND: TestDatabaseKind =
  process.env.ENDPOINT_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database: a SQLite file in a temp dir, or a fresh PostgreSQL database. */
export async function createTestDatabase(kind: TestDatabaseKind = DATABASE_KIND): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'endpoint-test-'));
    return {
      url: `sqlite:${join(dir, 'endpoint.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const adminUrl = process.env.ENDPOINT_TEST_POSTGRES_URL;
  if (!adminUrl) throw new Error('ENDPOINT_TEST_POSTGRES_URL is not set');
  const name = `endpoint_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
