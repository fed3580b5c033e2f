import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { runCli } from './cli.ts';
import { createTestDatabase } from './database.ts';
import { freePort, killGroup, type ServerProcess, spawnServer } from './process.ts';
import { TEST_SECRET_KEY } from './server.ts';

export interface Instances {
  /** Environment every instance shares: the database, the secret key and what `env` added. */
  env: Record<string, string>;
  /** http://127.0.0.1:<port> of each instance, in order. */
  urls: string[];
  servers: ServerProcess[];
  /** Runs the CLI on the instances' database. */
  cli(args: string[]): Promise<string>;
}

/**
 * `count` separate `serve` processes on one fresh, migrated database (created with `init-db`, as
 * the systemd unit does), each on a port of its own, stopped with SIGTERM when the test ends.
 */
export async function startInstances(
  t: Pick<TestContext, 'after'>,
  count: number,
  extraEnv: Record<string, string> = {},
): Promise<Instances> {
  const database = await createTestDatabase();
  const env = { ENDPOINT_SECRET_KEY: TEST_SECRET_KEY, ...extraEnv, ENDPOINT_DATABASE_URL: database.url };
  const servers: ServerProcess[] = [];
  t.after(async () => {
    for (const server of servers) killGroup(server, 'SIGTERM');
    await Promise.all(servers.map((server) => server.exited));
    await database.drop();
  });
  const cli = async (args: string[]) => {
    const result = await runCli(args, { env });
    assert.equal(result.code, 0, `endpoint ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim();
  };
  await cli(['init-db']);
  const ports = await Promise.all(Array.from({ length: count }, freePort));
  for (const port of ports) {
    servers.push(
      spawnServer(['serve', '--host', '127.0.0.1', '--port', String(port)], {
        env: { ...env, PORT: String(port) },
        detached: true,
      }),
    );
  }
  await Promise.all(servers.map((server) => server.waitFor(/Server listening/)));
  return { env, urls: ports.map((port) => `http://127.0.0.1:${port}`), servers, cli };
}
