import { type TSchema, Type } from 'typebox';
import { Value } from 'typebox/value';
import { say } from '../../../core/cli/output.ts';
import { CliError } from '../../../core/cli/run-action.ts';
import type { CliContext } from '../../../core/package.ts';
import { passwordWeakness } from '../passwords.ts';
import { promptNewPassword } from '../prompt.ts';
import { PasswordSchema } from '../schemas.ts';
import type { UsersService } from '../service.ts';

/** The users service over the CLI's database; it checks the database exists and is migrated. */
export async function usersService(context: CliContext): Promise<UsersService> {
  return (await context.services()).users;
}

/**
 * Checks command-line input against the API's schema, so the CLI and the API accept the same
 * values; the error names the first bad flag in the caller's words (`messages`, by field).
 */
export function checkInput(schema: TSchema, input: object, messages: Record<string, string>): void {
  const [first] = Value.Errors(schema, input);
  if (!first) return;
  const field = first.instancePath.split('/')[1];
  throw new CliError(messages[field] ?? `${field} ${first.message}`);
}

/** The password from --password, or asked for on the terminal; never read from piped stdin. */
export async function newPassword(option: string | undefined): Promise<string> {
  if (option !== undefined) {
    if (option === '') throw new CliError('--password must not be empty');
    return checkedPassword(option);
  }
  if (!process.stdin.isTTY) throw new CliError('--password is required when stdin is not a terminal');
  return checkedPassword(await promptNewPassword());
}

const PasswordInputSchema = Type.Object({ password: PasswordSchema });

function checkedPassword(password: string): string {
  checkInput(PasswordInputSchema, { password }, { password: 'the password must be at most 1024 characters' });
  return password;
}

/** The CLI accepts weak passwords (the original's `--password 1234` flow) but says so. */
export function warnIfWeak(password: string, username: string): void {
  const weakness = passwordWeakness(password, username);
  if (weakness) say(`warning: the password ${weakness}; the web and API would refuse it`);
}
