import type { Command } from 'commander';
import type { CliContext } from '../../core/package.ts';
import { registerGroupCommands } from './cli/group-commands.ts';
import { registerPermissionCommands } from './cli/permission-commands.ts';
import { registerUserCommands } from './cli/user-commands.ts';

/** The users package's commands, one file per subject under cli/. */
export function registerCommands(program: Command, context: CliContext): void {
  registerUserCommands(program, context);
  registerGroupCommands(program, context);
  registerPermissionCommands(program, context);
}
