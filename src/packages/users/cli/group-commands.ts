import type { Command } from 'commander';
import { formatColumns } from '../../../core/cli/columns.ts';
import { everyPage, say } from '../../../core/cli/output.ts';
import { CliError, runAction } from '../../../core/cli/run-action.ts';
import type { CliContext } from '../../../core/package.ts';
import { type Group, NewGroupSchema } from '../schemas.ts';
import { ADMIN_GROUP, OPERATOR, type UsersService } from '../service.ts';
import { checkInput, usersService } from './shared.ts';

interface MemberOptions {
  groupname: string;
  membername: string;
}

const GROUP_FLAG_RULES = {
  name: '--groupname must be 1 to 150 characters',
  description: '--description must be at most 500 characters',
};

async function groupLine(users: UsersService, group: Group): Promise<string[]> {
  const [members, permissions] = await Promise.all([
    users.listMembers(group.id, { limit: 1, offset: 0 }),
    users.groupPermissions(group.id),
  ]);
  // Members of the admin group hold every permission whatever is granted to it.
  const held = group.name === ADMIN_GROUP ? 'all' : permissions.join(',');
  return [String(group.id), group.name, String(members.total), held, group.description];
}

export function registerGroupCommands(program: Command, context: CliContext): void {
  program
    .command('add-group')
    .description(`create a group; members of the group named "${ADMIN_GROUP}" hold every permission`)
    .requiredOption('--groupname <name>', 'the group name')
    .option('--description <text>', 'what the group is for')
    .action(
      runAction(async (options: { groupname: string; description?: string }) => {
        const input = { name: options.groupname, description: options.description };
        checkInput(NewGroupSchema, input, GROUP_FLAG_RULES);
        const group = await (await usersService(context)).createGroup(OPERATOR, input);
        say(`created group ${group.name} (id ${group.id})`);
      }),
    );

  program
    .command('add-group-member')
    .description('add a user to a group')
    .requiredOption('--groupname <name>', 'the group')
    .requiredOption('--membername <username>', 'the user to add')
    .action(
      runAction(async ({ groupname, membername }: MemberOptions) => {
        const added = await (await usersService(context)).addMemberByName(OPERATOR, groupname, membername);
        say(added ? `added ${membername} to group ${groupname}` : `${membername} was already in group ${groupname}`);
      }),
    );

  program
    .command('remove-group-member')
    .description('take a user out of a group')
    .requiredOption('--groupname <name>', 'the group')
    .requiredOption('--membername <username>', 'the user to remove')
    .action(
      runAction(async ({ groupname, membername }: MemberOptions) => {
        const removed = await (await usersService(context)).removeMemberByName(OPERATOR, groupname, membername);
        if (!removed) throw new CliError(`${membername} is not in group ${groupname}`);
        say(`removed ${membername} from group ${groupname}`);
      }),
    );

  program
    .command('list-groups')
    .description('print every group, one a line: id, name, member count, permissions, description')
    .action(
      runAction(async () => {
        const users = await usersService(context);
        const groups = await everyPage((page) => users.listGroups(page));
        const rows = await Promise.all(groups.sort((a, b) => a.id - b.id).map((group) => groupLine(users, group)));
        process.stdout.write(formatColumns(['ID', 'NAME', 'MEMBERS', 'PERMISSIONS', 'DESCRIPTION'], rows));
      }),
    );
}
