import type { Page, Paged } from '../paging.ts';
import { MAX_ID } from '../schemas.ts';
import { CliError } from './run-action.ts';

const PAGE = 200;

/** Confirmations and warnings go to stderr, so stdout carries only data (a token, a secret, a list). */
export function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Every item of a paged service list, in as many queries as it takes. */
export async function everyPage<T>(list: (page: Page) => Promise<Paged<T>>): Promise<T[]> {
  const all: T[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const { items } = await list({ limit: PAGE, offset });
    all.push(...items);
    if (items.length < PAGE) return all;
  }
}

/** An `--id` value: a positive integer that fits the id columns, or a clear error naming `what`. */
export function idOption(text: string, what: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(text) || Number(text) > MAX_ID) {
    throw new CliError(`--id must be a ${what} id (a positive integer), got "${text}"`);
  }
  return Number(text);
}
