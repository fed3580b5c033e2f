import type { Command } from 'commander';
import { runAction } from '../../../cli/run-action.ts';
import type { CliContext } from '../../../core/package.ts';
import type { User, UsersService } from '../service.ts';
import { formatColumns } from './columns.ts';
import { checkUsername, newPassword, say, usersService, warnIfWeak } from './shared.ts';

interface AddUserOptions {
  username: string;
  password?: string;
  firstname?: string;
  lastname?: string;
  email?: string;
}

const PAGE = 200;

async function allUsers(users: UsersService): Promise<User[]> {
  const all: User[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await users.listUsers({ limit: PAGE, offset });
    all.push(...page.items);
    if (page.items.length < PAGE) break;
  }
  return all.sort((a, b) => a.id - b.id);
}

export function registerUserCommands(program: Command, context: CliContext): void {
  program
    .command('add-user')
    .description('create a user; asks for the password (hidden) when --password is left out on a terminal')
    .requiredOption('--username <username>', 'login name: letters, digits and @.+-_')
    .option('--password <password>', 'the password (8 characters or more; shorter is accepted with a warning)')
    .option('--firstname <name>', 'first name')
    .option('--lastname <name>', 'last name')
    .option('--email <email>', 'email address')
    .action(
      runAction(async (options: AddUserOptions) => {
        const username = checkUsername(options.username);
        // Open the database first: a missing or unmigrated one should fail before any prompt.
        const users = await usersService(context);
        const password = await newPassword(options.password);
        const user = await users.createUser(
          {
            username,
            password,
            first_name: options.firstname,
            last_name: options.lastname,
            email: options.email,
          },
          { allowWeakPassword: true },
        );
        warnIfWeak(password, username);
        say(`created user ${user.username} (id ${user.id})`);
      }),
    );

  program
    .command('set-password')
    .description("change a user's password and end all of their sessions")
    .requiredOption('--username <username>', 'whose password to change')
    .option('--password <password>', 'the new password; asked for (hidden) on a terminal when left out')
    .action(
      runAction(async (options: { username: string; password?: string }) => {
        const users = await usersService(context);
        // Look the user up before asking, so a typo fails at once rather than after the prompt.
        const user = await users.getUserByUsername(options.username);
        const password = await newPassword(options.password);
        await users.setPassword(user.username, password, { allowWeakPassword: true });
        warnIfWeak(password, user.username);
        say(`changed the password of ${user.username}; their sessions have ended`);
      }),
    );

  program
    .command('list-users')
    .description('print every user, one a line: id, username, name, email, active, groups')
    .action(
      runAction(async () => {
        const rows = (await allUsers(await usersService(context))).map((user) => [
          String(user.id),
          user.username,
          [user.first_name, user.last_name].filter(Boolean).join(' '),
          user.email,
          user.active ? 'yes' : 'no',
          user.groups.join(','),
        ]);
        process.stdout.write(formatColumns(['ID', 'USERNAME', 'NAME', 'EMAIL', 'ACTIVE', 'GROUPS'], rows));
      }),
    );
}
