import type { Command } from 'commander';
import { Type } from 'typebox';
import { formatColumns } from '../../../core/cli/columns.ts';
import { everyPage, say } from '../../../core/cli/output.ts';
import { runAction } from '../../../core/cli/run-action.ts';
import type { CliContext } from '../../../core/package.ts';
import { NewUserSchema } from '../schemas.ts';
import { OPERATOR } from '../service.ts';
import { checkInput, newPassword, usersService, warnIfWeak } from './shared.ts';

interface AddUserOptions {
  username: string;
  password?: string;
  firstname?: string;
  lastname?: string;
  email?: string;
}

// The password is checked on its own, once known: it may still have to be asked for.
const NewUserFieldsSchema = Type.Omit(NewUserSchema, ['password']);

const USER_FLAG_RULES = {
  username: '--username must be 1 to 150 letters, digits or @.+-_',
  first_name: '--firstname must be at most 150 characters',
  last_name: '--lastname must be at most 150 characters',
  email: '--email must be an email address of at most 254 characters',
};

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
        const fields = {
          username: options.username,
          first_name: options.firstname,
          last_name: options.lastname,
          email: options.email,
        };
        checkInput(NewUserFieldsSchema, fields, USER_FLAG_RULES);
        // Open the database before asking: a missing or unmigrated one should fail before any prompt.
        const users = await usersService(context);
        const password = await newPassword(options.password);
        const user = await users.createUser(OPERATOR, { ...fields, password }, { allowWeakPassword: true });
        warnIfWeak(password, user.username);
        say(`created user ${user.username} (id ${user.id})`);
      }),
    );

  program
    .command('set-password')
    .description("change a user's password and end all of their sessions; their API tokens keep working")
    .requiredOption('--username <username>', 'whose password to change')
    .option('--password <password>', 'the new password; asked for (hidden) on a terminal when left out')
    .option('--revoke-tokens', 'also revoke all of their API tokens, which a password change alone leaves working')
    .action(
      runAction(async (options: { username: string; password?: string; revokeTokens?: boolean }) => {
        const { users, tokens } = await context.services();
        // Look the user up before asking, so a typo fails at once rather than after the prompt.
        const user = await users.getUserByUsername(options.username);
        const password = await newPassword(options.password);
        await users.setPassword(OPERATOR, user.username, password, { allowWeakPassword: true });
        warnIfWeak(password, user.username);
        if (!options.revokeTokens) {
          say(`changed the password of ${user.username}; their sessions have ended`);
          return;
        }
        const revoked = await tokens.revokeAllOf(OPERATOR, user.id);
        say(
          `changed the password of ${user.username}; their sessions have ended and ${revoked} API token(s) are revoked`,
        );
      }),
    );

  program
    .command('list-users')
    .description('print every user, one a line: id, username, name, email, active, groups')
    .action(
      runAction(async () => {
        const users = await usersService(context);
        const all = await everyPage((page) => users.listUsers(page));
        // The API lists newest first; a terminal listing reads best in id order.
        const rows = all
          .sort((a, b) => a.id - b.id)
          .map((user) => [
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
