import type { Command } from 'commander';
import { OPERATOR } from '../../core/actor.ts';
import { formatColumns } from '../../core/cli/columns.ts';
import { everyPage, idOption, say } from '../../core/cli/output.ts';
import { runAction } from '../../core/cli/run-action.ts';
import type { CliContext } from '../../core/package.ts';
import type { HooksService } from './service.ts';
import { VERIFY_MODES } from './verify/registry.ts';

interface AddHookOptions {
  name: string;
  handler: string;
  verify: string;
  secret?: string;
  path?: string;
}

interface RotateOptions {
  name: string;
  secret?: string;
  overlap?: string;
}

/** The hooks service over the CLI's database; the secret key it seals with is checked first. */
async function hooksService(context: CliContext): Promise<HooksService> {
  context.secretKey();
  return (await context.services()).hooks;
}

export function registerCommands(program: Command, context: CliContext): void {
  program
    .command('add-hook')
    .description('create a hook at POST /hooks/<name>; prints a generated secret alone on stdout')
    .requiredOption('--name <name>', 'the hook name, the last part of its URL')
    .requiredOption('--handler <handler>', `what runs on each delivery: ${[...context.handlers.keys()].join(', ')}`)
    .requiredOption('--verify <mode>', `how calls are verified: ${VERIFY_MODES.join(', ')}`)
    .option('--secret <secret>', "the signing secret (required for twilio: the account's auth token; none for token)")
    .option('--path <path>', 'an extra path the hook also answers at, such as /twilio/sms')
    .action(
      runAction(async (options: AddHookOptions) => {
        const hooks = await hooksService(context);
        const { hook, generatedSecret } = await hooks.createHook(OPERATOR, {
          name: options.name,
          handler: options.handler,
          verify: options.verify,
          secret: options.secret,
          legacyPath: options.path,
        });
        say(`created hook ${hook.name} (${hook.verify}, handler ${hook.handler}) at POST /hooks/${hook.name}`);
        if (hook.verify === 'token') {
          say('it has no secret: callers send Authorization: Bearer <API token> with scope hooks.call');
        }
        if (generatedSecret !== undefined) {
          say('its signing secret follows; it is not shown again');
          process.stdout.write(`${generatedSecret}\n`);
        }
      }),
    );

  program
    .command('list-hooks')
    .description('print every hook, one a line: name, handler, verification, legacy path, created')
    .action(
      runAction(async () => {
        const service = await hooksService(context);
        const hooks = await everyPage((page) => service.listHooks(page));
        const rows = hooks.map((hook) => [
          hook.name,
          hook.handler,
          hook.verify,
          hook.legacy_path ?? '',
          hook.created_at,
        ]);
        process.stdout.write(formatColumns(['NAME', 'HANDLER', 'VERIFY', 'LEGACY PATH', 'CREATED'], rows));
      }),
    );

  program
    .command('rotate-hook-secret')
    .description("replace a hook's secret; the old one keeps verifying for the overlap. Prints a generated one alone")
    .requiredOption('--name <name>', 'the hook')
    .option('--secret <secret>', 'the new secret (required for twilio: the new auth token); generated when absent')
    .option('--overlap <duration>', 'how long the old secret keeps verifying, at most 30d; 0s drops it now', '24h')
    .action(
      runAction(async (options: RotateOptions) => {
        const hooks = await hooksService(context);
        const { generatedSecret, previousExpiresAt } = await hooks.rotateSecret(OPERATOR, options.name, {
          secret: options.secret,
          overlap: options.overlap,
        });
        say(
          previousExpiresAt === null
            ? `rotated the secret of hook ${options.name}; old secrets no longer verify`
            : `rotated the secret of hook ${options.name}; old secrets verify until ${previousExpiresAt}`,
        );
        if (generatedSecret !== undefined) {
          say('the new secret follows; it is not shown again');
          process.stdout.write(`${generatedSecret}\n`);
        }
      }),
    );

  program
    .command('replay')
    .description("run a stored delivery's handler again from scratch (refused while it is being processed)")
    .requiredOption('--id <id>', 'the delivery id, as the API lists it')
    .action(
      runAction(async (options: { id: string }) => {
        const delivery = await (await hooksService(context)).replayDelivery(OPERATOR, idOption(options.id, 'delivery'));
        // This process has no worker to wake; the server's workers find it due on their next poll.
        say(`delivery ${delivery.id} of hook ${delivery.hook} is pending again`);
      }),
    );

  program
    .command('remove-hook')
    .description('remove a hook and every delivery it holds')
    .requiredOption('--name <name>', 'the hook')
    .action(
      runAction(async ({ name }: { name: string }) => {
        await (await hooksService(context)).removeHook(OPERATOR, name);
        say(`removed hook ${name}`);
      }),
    );
}
