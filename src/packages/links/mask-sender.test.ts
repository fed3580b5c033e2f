import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskSender } from './mask-sender.ts';

describe('maskSender', () => {
  // [sender as Twilio sends it, as the archive keeps it]
  const cases: [string, string][] = [
    ['+15555550167', '+1555*****67'],
    ['+447700900123', '+4477******23'],
    ['+353861234567890', '+3538*********90'],
    ['15555550167', '1555*****67'],
    ['whatsapp:+15555550167', 'whatsapp:+1555*****67'],
    ['+4930123456', '+4930****56'],
    ['123456789', '*******89'],
    ['12345', '***45'],
    ['+123', '+*23'],
    [' +15555550167 ', '+1555*****67'],
    ['ACME', '***'],
    ['', '***'],
    ['12', '***'],
    ['+1234567890123456', '***'],
    ['+1 555 555 0167', '***'],
    ['joe@example.org', '***'],
  ];
  for (const [sender, masked] of cases) {
    it(`keeps ${JSON.stringify(sender)} as ${JSON.stringify(masked)}`, () => {
      assert.equal(maskSender(sender), masked);
    });
  }

  it('never keeps more than 6 digits of a number, and hides at least a third', () => {
    for (let length = 3; length <= 15; length++) {
      const digits = '9'.repeat(length);
      const shown = maskSender(`+${digits}`).replace(/[^9]/g, '').length;
      assert.ok(shown <= 6, `${length} digits: ${shown} shown`);
      assert.ok(length - shown >= Math.ceil(length / 3), `${length} digits: ${shown} shown`);
    }
  });
});
