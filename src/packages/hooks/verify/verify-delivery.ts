import type { SignatureMode } from '../table.ts';
import type { RequestHeaders, VerifyResult } from './common.ts';
import { verifyGithub } from './github.ts';
import { verifyStandard } from './standard.ts';
import { verifyStripe } from './stripe.ts';
import { verifyTwilio } from './twilio.ts';

export interface DeliveryInput {
  body: Buffer;
  headers: RequestHeaders;
  /** Every secret the hook currently accepts, opened. */
  secrets: readonly string[];
  /** The public URL the sender called, query string included (Twilio signs it). */
  url: string;
  now: Date;
}

/** Verifies a signed call with the hook's mode (`token` is verify/token.ts's). Never throws. */
export function verifyDelivery(mode: SignatureMode, input: DeliveryInput): VerifyResult {
  switch (mode) {
    case 'standard':
      return verifyStandard(input);
    case 'github':
      return verifyGithub(input);
    case 'stripe':
      return verifyStripe(input);
    case 'twilio':
      return verifyTwilio(input);
  }
}
