import type { HookHandler } from '../../core/hook-handlers.ts';
import { InvalidHookError } from './errors.ts';
import { VERIFY_MODES, type VerifyMode } from './verify/registry.ts';

// The shape of what a hook is made of, checked the same for the API and the CLI.

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const LEGACY_PATH = /^(\/[A-Za-z0-9_.~-]+)+$/;
const MAX_LEGACY_PATH_LENGTH = 200;

export function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new InvalidHookError('the name must be 1 to 100 letters, digits, . _ or -, starting with a letter or digit');
  }
}

export function checkHandler(handler: string, handlers: ReadonlyMap<string, HookHandler>): void {
  if (!handlers.has(handler)) {
    throw new InvalidHookError(`unknown handler "${handler}"; handlers: ${[...handlers.keys()].join(', ')}`);
  }
}

export function checkedMode(verify: string): VerifyMode {
  const mode = VERIFY_MODES.find((known) => known === verify);
  if (mode === undefined) throw new InvalidHookError(`verification mode must be one of ${VERIFY_MODES.join(', ')}`);
  return mode;
}

/** What is wrong with a legacy path, or undefined when a hook may answer at it. */
export function legacyPathProblem(path: string): string | undefined {
  if (!LEGACY_PATH.test(path) || path.length > MAX_LEGACY_PATH_LENGTH) {
    return 'the path must look like /twilio/sms: segments of letters, digits, . _ ~ or -';
  }
  if (/^\/(api|hooks|static)(\/|$)/.test(path)) return 'the path must not be under /api, /hooks or /static';
  return undefined;
}

export function checkLegacyPath(path: string): void {
  const problem = legacyPathProblem(path);
  if (problem !== undefined) throw new InvalidHookError(problem);
}
