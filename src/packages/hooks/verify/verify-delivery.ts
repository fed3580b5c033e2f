import { parse as parseQuery } from 'node:querystring';
import type { SignatureMode } from '../table.ts';
import type { RequestHeaders, VerifyResult } from './common.ts';
import { verifyGithub } from './github.ts';
import { verifyStandard } from './standard.ts';
import { verifyStripe } from './stripe.ts';
import { type TwilioParams, verifyTwilio } from './twilio.ts';

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
      return verifyTwilio({ ...input, params: twilioParams(input.body) });
  }
}

// Twilio signs the decoded form parameters as its own library parses them (node:querystring),
// with no cap on their number: the body limit already bounds it. Parsed values are never undefined.
function twilioParams(body: Buffer): TwilioParams {
  return parseQuery(body.toString('utf8'), '&', '=', { maxKeys: 0 }) as TwilioParams;
}
