// An optional channel (`whatsapp:`), an optional `+`, then the number's digits.
const PHONE = /^([a-z]{1,20}:)?(\+?)(\d{3,15})$/;

// Numbers this long are international: their first 4 digits are the country code and the start
// of the national number, which say where a message came from without saying who sent it.
const INTERNATIONAL_DIGITS = 10;

/**
 * The sender as the archive keeps it. A phone number keeps its channel and `+`, its first 4 digits
 * when it has 10 or more (`+15555550167` is `+1555*****67`), and its last 2; every other digit
 * becomes `*`, so the digits' count still shows. Anything else (an alphanumeric sender id, an
 * address, nothing at all) becomes `***`: the archive never keeps what it cannot tell is safe.
 */
export function maskSender(sender: string): string {
  const match = PHONE.exec(sender.trim());
  if (match === null) return '***';
  const [, channel = '', plus, digits] = match;
  const kept = digits.length >= INTERNATIONAL_DIGITS ? 4 : 0;
  return channel + plus + digits.slice(0, kept) + '*'.repeat(digits.length - kept - 2) + digits.slice(-2);
}
