import type { Command } from 'commander';
import { type Config, ConfigError, loadConfig, SECRET_KEY_ADVICE, secretKeyWeakness } from '../config.ts';
import { CliError, runAction } from '../core/cli/run-action.ts';
import type { createCliContext } from './context.ts';
import { devSecretKey } from './dev-secret-key.ts';

type Context = ReturnType<typeof createCliContext>;

interface ListenOptions {
  host?: string;
  port?: string;
}

interface ServeCommandOptions extends ListenOptions {
  workers: string;
}

const MAX_WORKERS = 64;

// Imported when a server starts, so the other commands never load Fastify and the app.
const loadServer = () => import('../server.ts');
const loadCluster = () => import('../cluster.ts');

function workerCount(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < 1 || count > MAX_WORKERS) {
    throw new CliError(`--workers must be a whole number from 1 to ${MAX_WORKERS}, got "${value}"`);
  }
  return count;
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
        const { startServer } = await loadServer();
        await startServer(config, { pretty: true, migrate: true });
      }),
    );

  program
    .command('serve')
    .description('production server: JSON logs; needs ENDPOINT_SECRET_KEY and a migrated database')
    .option('--host <host>', 'address to listen on')
    .option('--port <port>', 'port to listen on')
    .option('--workers <n>', `processes sharing the port (node:cluster), 1 to ${MAX_WORKERS}`, '1')
    .action(
      runAction(async (options: ServeCommandOptions) => {
        const workers = workerCount(options.workers);
        const base = context.config();
        if (!base.secretKey) throw new CliError('ENDPOINT_SECRET_KEY must be set for serve (at least 32 characters)');
        const weakness = secretKeyWeakness(base.secretKey);
        if (weakness) throw new CliError(`ENDPOINT_SECRET_KEY ${weakness}: ${SECRET_KEY_ADVICE}`);
        const config = listenConfig(base, options);
        const serve = { pretty: false, migrate: false };
        const [{ newSetupToken, startServer }, { handoverFromPrimary, runPrimary, runWorker }] = await Promise.all([
          loadServer(),
          loadCluster(),
        ]);
        // A worker runs this same command; its primary has checked the database.
        const fromPrimary = handoverFromPrimary();
        if (fromPrimary) return runWorker(() => startServer(config, { ...serve, fromPrimary }));
        const db = await context.db();
        const setupToken = workers > 1 ? await newSetupToken(db) : undefined;
        await context.closeAll();
        if (workers === 1) {
          await startServer(config, serve);
          return;
        }
        process.exit(
          await runPrimary({
            workers,
            host: config.host,
            publicUrl: config.publicUrl,
            logLevel: config.logLevel,
            config,
            setupToken,
          }),
        );
      }),
    );
}
