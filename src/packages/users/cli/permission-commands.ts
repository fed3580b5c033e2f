import type { Command } from 'commander';
import { formatColumns } from '../../../core/cli/columns.ts';
import { say } from '../../../core/cli/output.ts';
import { CliError, runAction } from '../../../core/cli/run-action.ts';
import type { CliContext } from '../../../core/package.ts';
import { OPERATOR } from '../service.ts';
import { usersService } from './shared.ts';

interface GrantOptions {
  groupname: string;
  permission: string;
}

const SEE_LIST = 'see `endpoint list-permissions`';

/** Checked here, before the database is opened, so the error can point at the list. */
function knownPermission(context: CliContext, codename: string): string {
  if (!context.permissions.has(codename)) throw new CliError(`unknown permission "${codename}" (${SEE_LIST})`);
  return codename;
}

export function registerPermissionCommands(program: Command, context: CliContext): void {
  program
    .command('grant')
    .description(`give a group a permission; its members hold it at once (${SEE_LIST})`)
    .requiredOption('--groupname <name>', 'the group')
    .requiredOption('--permission <codename>', `a permission codename such as users.view (${SEE_LIST})`)
    .action(
      runAction(async (options: GrantOptions) => {
        const permission = knownPermission(context, options.permission);
        const granted = await (await usersService(context)).grantByName(OPERATOR, options.groupname, permission);
        say(
          granted
            ? `granted ${permission} to group ${options.groupname}`
            : `group ${options.groupname} already had ${permission}`,
        );
      }),
    );

  program
    .command('revoke')
    .description(`take a permission from a group (${SEE_LIST})`)
    .requiredOption('--groupname <name>', 'the group')
    .requiredOption('--permission <codename>', `a permission codename such as users.view (${SEE_LIST})`)
    .action(
      runAction(async (options: GrantOptions) => {
        const permission = knownPermission(context, options.permission);
        const revoked = await (await usersService(context)).revokeByName(OPERATOR, options.groupname, permission);
        if (!revoked) throw new CliError(`group ${options.groupname} does not have ${permission}`);
        say(`revoked ${permission} from group ${options.groupname}`);
      }),
    );

  program
    .command('list-permissions')
    .description('print every permission a group can be granted: codename and what it allows')
    .action(
      runAction(async () => {
        const rows = [...context.permissions].map(([codename, description]) => [codename, description]);
        process.stdout.write(formatColumns(['PERMISSION', 'DESCRIPTION'], rows));
      }),
    );
}
