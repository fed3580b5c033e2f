import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import { startServer } from '../server.ts';
import type { createCliContext } from './context.ts';
import { CliError, runAction } from './run-action.ts';

type Context = ReturnType<typeof createCliContext>;

interface ListenOptions {
  host?: string;
  port?: string;
}

const SECRET_FILE = '.endpoint-secret-key';

/** dev-server keeps one secret key across restarts so sessions survive a reload. */
function devSecretKey(): string {
  if (existsSync(SECRET_FILE)) return readFileSync(SECRET_FILE, 'utf8').trim();
  const key = randomBytes(32).toString('base64url');
  writeFileSync(SECRET_FILE, `${key}\n`, { mode: 0o600 });
  return key;
}

function listenConfig(base: Config, options: ListenOptions): Config {
  const overrides = {
    ...process.env,
    ...(options.host && { HOST: options.host }),
    ...(options.port && { PORT: options.port }),
  };
  try {
    return { ...loadConfig(overrides), secretKey: base.secretKey };
  } catch (error) {
    if (error instanceof ConfigError)
      throw new CliError(error.message.replace(/^PORT/, '--port').replace(/^HOST/, '--host'));
    throw error;
  }
}

export function registerServerCommands(program: Command, context: Context): void {
  program
    .command('dev-server')
    .description('migrate, then serve with readable logs (default http://localhost:8000)')
    .option('--host <host>', 'address to listen on (0.0.0.0 for every interface)')
    .option('--port <port>', 'port to listen on')
    .action(
      runAction(async (options: ListenOptions) => {
        const base = context.config();
        const config = listenConfig({ ...base, secretKey: base.secretKey ?? devSecretKey() }, options);
        await startServer(config, { pretty: true, migrate: true });
      }),
    );

  program
    .command('serve')
    .description('production server: JSON logs; needs ENDPOINT_SECRET_KEY and a migrated database')
    .option('--host <host>', 'address to listen on')
    .option('--port <port>', 'port to listen on')
    .action(
      runAction(async (options: ListenOptions) => {
        const base = context.config();
        if (!base.secretKey) throw new CliError('ENDPOINT_SECRET_KEY must be set for serve (at least 32 characters)');
        await context.db();
        await context.closeAll();
        await startServer(listenConfig(base, options), { pretty: false, migrate: false });
      }),
    );
}
