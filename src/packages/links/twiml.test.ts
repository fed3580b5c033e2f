import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeXml, twiml } from './twiml.ts';

describe('twiml', () => {
  it('answers one message as TwiML with an XML content type', () => {
    assert.deepEqual(twiml('Saved 2 links'), {
      contentType: 'text/xml; charset=utf-8',
      body: '<Response><Message>Saved 2 links</Message></Response>',
    });
  });

  it('answers nothing with an empty Response', () => {
    assert.equal(twiml().body, '<Response/>');
  });

  it('escapes the five XML special characters', () => {
    assert.equal(
      escapeXml(`<a href="x">Tom & Jerry's</a>`),
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;',
    );
    assert.equal(twiml('1 < 2').body, '<Response><Message>1 &lt; 2</Message></Response>');
  });
});
