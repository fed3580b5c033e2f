import { githubScheme } from './github.ts';
import type { VerifyScheme } from './scheme.ts';
import { standardScheme } from './standard.ts';
import { stripeScheme } from './stripe.ts';
import { tokenScheme } from './token.ts';
import { twilioScheme } from './twilio.ts';

/**
 * Every verification mode a hook may have, by the name `--verify` and the API take. The schema's
 * enum, the CLI's help and the service's checks all read it; this order is the one users see.
 */
export const VERIFY_SCHEMES = {
  token: tokenScheme,
  standard: standardScheme,
  github: githubScheme,
  twilio: twilioScheme,
  stripe: stripeScheme,
} satisfies Record<string, VerifyScheme>;

export type VerifyMode = keyof typeof VERIFY_SCHEMES;

export const VERIFY_MODES = Object.keys(VERIFY_SCHEMES) as VerifyMode[];

/** Why a secret given for a hook is refused under its mode, or undefined when it will do. */
export function secretWeakness(mode: VerifyMode, secret: string): string | undefined {
  const rule = VERIFY_SCHEMES[mode].secret;
  return 'none' in rule ? `a ${mode} hook has no secret: ${rule.none}` : rule.weakness(secret);
}
