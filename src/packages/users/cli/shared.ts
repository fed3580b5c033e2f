import { CliError } from '../../../cli/run-action.ts';
import type { CliContext } from '../../../core/package.ts';
import { passwordWeakness } from '../passwords.ts';
import { promptNewPassword } from '../prompt.ts';
import { createUsersService, type UsersService } from '../service.ts';

/** The users service over the CLI's database; it checks the database exists and is migrated. */
export async function usersService(context: CliContext): Promise<UsersService> {
  return createUsersService(await context.db(), { permissions: context.permissions });
}

/** Confirmations and warnings go to stderr, so stdout carries only data. */
export function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

// Django's rule for usernames: letters, digits and @ . + - _, at most 150 characters.
const USERNAME = /^[\p{L}\p{N}@.+_-]{1,150}$/u;

export function checkUsername(username: string): string {
  if (!USERNAME.test(username)) {
    throw new CliError(`--username must be 1 to 150 letters, digits or @.+-_, got "${username}"`);
  }
  return username;
}

export function checkGroupname(name: string): string {
  if (name.trim() === '' || name.length > 150) {
    throw new CliError(`--groupname must be 1 to 150 characters, got "${name}"`);
  }
  return name;
}

/** The password from --password, or asked for on the terminal; never read from piped stdin. */
export async function newPassword(option: string | undefined): Promise<string> {
  if (option !== undefined) {
    if (option === '') throw new CliError('--password must not be empty');
    return option;
  }
  if (!process.stdin.isTTY) throw new CliError('--password is required when stdin is not a terminal');
  return promptNewPassword();
}

/** The CLI accepts weak passwords (the original's `--password 1234` flow) but says so. */
export function warnIfWeak(password: string, username: string): void {
  const weakness = passwordWeakness(password, username);
  if (weakness) say(`warning: the password ${weakness}; the web and API would refuse it`);
}
