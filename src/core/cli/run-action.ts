import { ConfigError } from '../../config.ts';
import { HttpError } from '../http-errors.ts';

/** An expected failure of a command: printed as `error: <message>`, exit 1. */
export class CliError extends Error {}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'SQLITE_CANTOPEN',
  '3D000',
  '28P01',
  '28000',
]);

/** The one line a user sees for an error; never a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof CliError || error instanceof ConfigError) return error.message;
  if (error instanceof HttpError) return error.detail ?? error.message;
  const code = (error as { code?: string })?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code && UNREACHABLE.has(code)) return `cannot reach the database: ${message}`;
  if (error instanceof AggregateError) return `cannot reach the database: ${error.errors.map(String).join('; ')}`;
  return message.split('\n')[0];
}

/** Wraps a command action: any error becomes one `error: ...` line on stderr and exit code 1. */
export function runAction<Args extends unknown[]>(action: (...args: Args) => Promise<void>) {
  return async (...args: Args): Promise<void> => {
    try {
      await action(...args);
    } catch (error) {
      process.stderr.write(`error: ${describeError(error)}\n`);
      process.exitCode = 1;
    }
  };
}
