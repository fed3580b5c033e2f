import type { Command } from 'commander';
import { Value } from 'typebox/value';
import { OPERATOR } from '../../core/actor.ts';
import { formatColumns } from '../../core/cli/columns.ts';
import { everyPage, idOption, say } from '../../core/cli/output.ts';
import { CliError, runAction } from '../../core/cli/run-action.ts';
import type { CliContext } from '../../core/package.ts';
import { NewSubscriptionSchema } from './schemas.ts';

function typeList(text: string): string[] {
  return text
    .split(',')
    .map((type) => type.trim())
    .filter(Boolean);
}

/** add-subscription, list-subscriptions, remove-subscription and list-event-types. */
export function registerCommands(program: Command, context: CliContext): void {
  program
    .command('add-subscription')
    .description(
      'subscribe a URL to events and print its whsec_ signing secret alone on stdout; it is never shown again',
    )
    .requiredOption('--url <url>', 'where messages are POSTed: https, resolving to public addresses')
    .requiredOption('--events <types>', 'comma-separated event types, or * for all (see `endpoint list-event-types`)')
    .option('--description <text>', 'what the subscription is for')
    .action(
      runAction(async (options: { url: string; events: string; description?: string }) => {
        const input = { url: options.url, event_types: typeList(options.events), description: options.description };
        // The API's rules, so both accept the same input.
        if (!Value.Check(NewSubscriptionSchema, input)) {
          const [first] = Value.Errors(NewSubscriptionSchema, input);
          throw new CliError(`invalid subscription: ${first?.instancePath || 'input'} ${first?.message ?? ''}`.trim());
        }
        const { subscriptions } = await context.services();
        const created = await subscriptions.create(OPERATOR, input);
        process.stdout.write(`${created.secret}\n`);
        say(
          `created subscription ${created.id} to ${created.url} for ${created.event_types.join(',')}; ` +
            'store the secret now, it is not shown again',
        );
      }),
    );

  program
    .command('list-subscriptions')
    .description('print every subscription, one a line: id, url, event types, enabled, description')
    .action(
      runAction(async () => {
        const { subscriptions } = await context.services();
        const all = await everyPage((page) => subscriptions.list(page));
        const rows = all
          .sort((a, b) => a.id - b.id)
          .map((subscription) => [
            String(subscription.id),
            subscription.url,
            subscription.event_types.join(','),
            subscription.enabled ? 'yes' : `no (${subscription.disabled_reason ?? 'disabled'})`,
            subscription.description,
          ]);
        process.stdout.write(formatColumns(['ID', 'URL', 'EVENTS', 'ENABLED', 'DESCRIPTION'], rows));
      }),
    );

  program
    .command('remove-subscription')
    .description('delete a subscription and its messages')
    .requiredOption('--id <id>', 'the subscription id, as list-subscriptions shows it')
    .action(
      runAction(async (options: { id: string }) => {
        const id = idOption(options.id, 'subscription');
        const { subscriptions } = await context.services();
        await subscriptions.remove(OPERATOR, id);
        say(`removed subscription ${id}`);
      }),
    );

  program
    .command('list-event-types')
    .description('print every event type, one a line: name, the permission subscribing takes, description')
    .action(
      runAction(async () => {
        const { subscriptions } = await context.services();
        const rows = subscriptions.eventTypes().map((type) => [type.name, type.permission ?? '-', type.description]);
        process.stdout.write(formatColumns(['TYPE', 'PERMISSION', 'DESCRIPTION'], rows));
      }),
    );
}
