import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractUrls, MAX_LINKS_PER_MESSAGE } from './extract-urls.ts';

describe('extractUrls', () => {
  // [message, the links it holds]
  const cases: [string, string[]][] = [
    ['Save https://example.org and www.example.net 🙂', ['https://example.org', 'https://www.example.net']],
    ['http://example.org/a?b=1&c=2#d', ['http://example.org/a?b=1&c=2#d']],
    ['HTTPS://Example.ORG/Path and WWW.Example.net', ['HTTPS://Example.ORG/Path', 'https://WWW.Example.net']],
    ['See https://example.org/x.', ['https://example.org/x']],
    [
      'https://a.example, https://b.example; https://c.example: done',
      ['https://a.example', 'https://b.example', 'https://c.example'],
    ],
    ['Wow https://example.org!?!', ['https://example.org']],
    ['(see https://example.org/x)', ['https://example.org/x']],
    ['(https://en.wikipedia.org/wiki/Fish_(food)).', ['https://en.wikipedia.org/wiki/Fish_(food)']],
    ['[https://example.org/list]', ['https://example.org/list']],
    ['"https://example.org/q" and \'www.example.net\'', ['https://example.org/q', 'https://www.example.net']],
    ['“https://example.org/curly”', ['https://example.org/curly']],
    ["https://example.org/O'Brien is kept whole", ["https://example.org/O'Brien"]],
    ['<https://example.org/angle>', ['https://example.org/angle']],
    ['line\nhttps://example.org/one\thttps://example.org/two', ['https://example.org/one', 'https://example.org/two']],
    ['https://example.org twice: https://example.org', ['https://example.org']],
    ['https://例え.jp/パス', ['https://例え.jp/パス']],
    ['http://localhost:8000/x', ['http://localhost:8000/x']],
    ['https://example.org/a\u0000b', ['https://example.org/a']],
  ];
  for (const [text, urls] of cases) {
    it(`finds ${JSON.stringify(urls)} in ${JSON.stringify(text)}`, () => {
      assert.deepEqual(extractUrls(text), urls);
    });
  }

  const none = [
    '',
    'no links here',
    'https:// nothing',
    'www. nothing',
    'https://.',
    'www.,',
    'xhttps://example.org',
    'awww.example.org',
    'ftp://example.org',
    'mailto:joe@example.org',
    'example.org without a scheme',
    'http://a:b:c',
  ];
  for (const text of none) {
    it(`finds no link in ${JSON.stringify(text)}`, () => {
      assert.deepEqual(extractUrls(text), []);
    });
  }

  it(`keeps at most ${MAX_LINKS_PER_MESSAGE} links of one message, the first ones`, () => {
    const text = Array.from({ length: 30 }, (_, index) => `https://example.org/${index}`).join(' ');
    const urls = extractUrls(text);
    assert.equal(urls.length, MAX_LINKS_PER_MESSAGE);
    assert.equal(urls[0], 'https://example.org/0');
    assert.equal(urls.at(-1), `https://example.org/${MAX_LINKS_PER_MESSAGE - 1}`);
  });

  it('skips a link too long for the index rather than cutting it', () => {
    const long = `https://example.org/${'a'.repeat(2000)}`;
    assert.deepEqual(extractUrls(`${long} https://example.org/short`), ['https://example.org/short']);
  });
});
