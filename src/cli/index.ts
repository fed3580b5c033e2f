import { Command } from 'commander';
import { packages } from '../packages/index.ts';
import { createCliContext } from './context.ts';
import { registerMigrateCommands } from './migrate-commands.ts';
import { registerServerCommands } from './server-commands.ts';

const program = new Command('endpoint')
  .description('Endpoint: a small, fast web server with users, groups, permissions and hooks.')
  // One line per error, as for every other failure: commander's hints (did you mean, usage) join it.
  .configureOutput({
    outputError: (text, write) => write(`${text.trim().replace(/\s*\n\s*/g, ' ')} (add --help for usage)\n`),
  })
  .exitOverride((error) => {
    // commander has already printed "error: ..." for bad flags; --help and --version exit 0.
    process.exit(error.exitCode === 0 ? 0 : 1);
  });

const context = createCliContext();
registerMigrateCommands(program, context);
registerServerCommands(program, context);
for (const pkg of packages) pkg.commands?.(program, context);

// Long-running commands (dev-server, serve) keep their database open; the rest close it here.
program.hook('postAction', async (_thisCommand, actionCommand) => {
  if (!['dev-server', 'serve'].includes(actionCommand.name())) await context.closeAll();
});

await program.parseAsync(process.argv);
