import type { Command } from 'commander';
import { formatColumns } from '../../core/cli/columns.ts';
import { say } from '../../core/cli/output.ts';
import { CliError, runAction } from '../../core/cli/run-action.ts';
import { parseDuration } from '../../core/duration.ts';
import type { CliContext } from '../../core/package.ts';
import { MAX_LIMIT } from '../../core/schemas.ts';

function durationOption(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new CliError(`${flag} must be a duration such as 30m, 1h or 365d, got "${text}"`);
  return ms;
}

function limitOption(text: string): number {
  if (!/^[1-9][0-9]*$/.test(text) || Number(text) > MAX_LIMIT) {
    throw new CliError(`--limit must be a whole number from 1 to ${MAX_LIMIT}, got "${text}"`);
  }
  return Number(text);
}

interface ListOptions {
  actor?: string;
  action?: string;
  target?: string;
  since?: string;
  limit: string;
}

/** `audit` (the trail, newest first, one entry a line) and `audit prune`. */
export function registerCommands(program: Command, context: CliContext): void {
  const audit = program
    .command('audit')
    .description('print the audit trail, newest first: time, actor, token, address, action, target, summary')
    .option('--actor <username>', "only this user's actions (cli or setup: the operator's)")
    .option('--action <action>', 'only this action, e.g. user.created or login.failed')
    .option('--target <target>', 'only this target, e.g. user:12 or hook:github')
    .option('--since <duration>', 'only the last 30m, 1h, 7d, ...')
    .option('--limit <n>', `at most this many entries (up to ${MAX_LIMIT})`, '50')
    .action(
      runAction(async (options: ListOptions) => {
        const limit = limitOption(options.limit);
        const since =
          options.since === undefined
            ? undefined
            : new Date(Date.now() - durationOption('--since', options.since)).toISOString();
        const { audit } = await context.services();
        const { items } = await audit.list(
          { actor: options.actor, action: options.action, target: options.target, since },
          { limit, offset: 0 },
        );
        const rows = items.map((entry) => [
          entry.at,
          entry.actor.kind === 'user'
            ? entry.actor.username
            : `(${entry.actor.kind === 'anonymous' ? 'anonymous' : entry.actor.username})`,
          entry.actor.token_id === null ? '' : `token:${entry.actor.token_id}`,
          entry.address ?? '',
          entry.action,
          entry.target,
          JSON.stringify(entry.summary),
        ]);
        process.stdout.write(formatColumns(['AT', 'ACTOR', 'TOKEN', 'ADDRESS', 'ACTION', 'TARGET', 'SUMMARY'], rows));
      }),
    );

  audit
    .command('prune')
    .description('delete entries older than a duration and print how many were removed')
    .requiredOption('--older-than <duration>', 'e.g. 365d')
    .action(
      runAction(async (options: { olderThan: string }) => {
        const olderThanMs = durationOption('--older-than', options.olderThan);
        const { audit } = await context.services();
        const removed = await audit.prune(olderThanMs);
        process.stdout.write(`${removed}\n`);
        say(`removed ${removed} audit ${removed === 1 ? 'entry' : 'entries'} older than ${options.olderThan}`);
      }),
    );
}
