import type { Command } from 'commander';
import { Value } from 'typebox/value';
import { OPERATOR } from '../../core/actor.ts';
import { formatColumns } from '../../core/cli/columns.ts';
import { everyPage, idOption, say } from '../../core/cli/output.ts';
import { CliError, runAction } from '../../core/cli/run-action.ts';
import type { CliContext } from '../../core/package.ts';
import { NewTokenSchema } from './schemas.ts';

const SEE_LIST = 'see `endpoint list-permissions`';

function scopeList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((scope) => scope.trim())
    .filter(Boolean);
}

/** add-token, list-tokens and revoke-token. */
export function registerCommands(program: Command, context: CliContext): void {
  program
    .command('add-token')
    .description('create an API token and print it alone on stdout; it is never shown again')
    .requiredOption('--username <username>', 'the owner: the token acts for this user')
    .requiredOption('--name <name>', 'what the token is for')
    .option(
      '--scopes <codenames>',
      `comma-separated permissions the owner holds; none: the token only identifies its owner (${SEE_LIST})`,
    )
    .option('--expires-in <duration>', 'lifetime such as 30m, 12h or 90d (at most 3650d); never expires without it')
    .action(
      runAction(async (options: { username: string; name: string; scopes?: string; expiresIn?: string }) => {
        // The same rule as the API's, so both accept the same names.
        if (!Value.Check(NewTokenSchema.properties.name, options.name)) {
          throw new CliError('--name must be 1 to 100 characters');
        }
        const { tokens } = await context.services();
        const created = await tokens.createForUsername(OPERATOR, options.username, {
          name: options.name,
          scopes: scopeList(options.scopes),
          expiresIn: options.expiresIn,
        });
        process.stdout.write(`${created.token}\n`);
        const expiry = created.expires_at ? `expires ${created.expires_at}` : 'never expires';
        say(
          `created token ${created.id} "${created.name}" for ${created.username} ` +
            `(scopes ${created.scopes.join(',')}; ${expiry}); store it now, it is not shown again`,
        );
      }),
    );

  program
    .command('list-tokens')
    .description('print every token not revoked, one a line: id, name, owner, prefix, scopes, expiry, last used')
    .option('--username <username>', "only this user's tokens")
    .action(
      runAction(async (options: { username?: string }) => {
        const { users, tokens } = await context.services();
        const owner = options.username === undefined ? undefined : await users.getUserByUsername(options.username);
        const all = await everyPage((page) => tokens.list({ userId: owner?.id }, page));
        // The API lists newest first; a terminal listing reads best in id order.
        const rows = all
          .sort((a, b) => a.id - b.id)
          .map((token) => [
            String(token.id),
            token.name,
            token.username,
            token.prefix,
            token.scopes.join(','),
            token.expires_at ?? 'never',
            token.last_used_at ?? 'never',
          ]);
        process.stdout.write(formatColumns(['ID', 'NAME', 'OWNER', 'PREFIX', 'SCOPES', 'EXPIRES', 'LAST_USED'], rows));
      }),
    );

  program
    .command('revoke-token')
    .description('revoke a token; it stops working on its next request')
    .requiredOption('--id <id>', 'the token id, as list-tokens shows it')
    .action(
      runAction(async (options: { id: string }) => {
        const id = idOption(options.id, 'token');
        const { tokens } = await context.services();
        const token = await tokens.revoke(OPERATOR, id);
        say(`revoked token ${token.id} "${token.name}" of ${token.username}`);
      }),
    );
}
