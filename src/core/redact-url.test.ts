import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactUrl } from './redact-url.ts';

describe('redactUrl', () => {
  const cases: [string, string][] = [
    ['/setup?token=abc', '/setup?token=[redacted]'],
    [
      '/healthz?Access_Token=a&SIG=b&code=c&API_KEY=d&apikey=e&signature=f&Password=g&client_secret=h',
      '/healthz?Access_Token=[redacted]&SIG=[redacted]&code=[redacted]&API_KEY=[redacted]&apikey=[redacted]' +
        '&signature=[redacted]&Password=[redacted]&client_secret=[redacted]',
    ],
    [
      '/x?key=a&x-api-key=b&refresh_token=c&auth_code=d',
      '/x?key=[redacted]&x-api-key=[redacted]&refresh_token=[redacted]&auth_code=[redacted]',
    ],
    ['/x?%73ig=a&to%6Ben=b', '/x?%73ig=[redacted]&to%6Ben=[redacted]'],
    ['/links?q=code+review&limit=5&offset=0', '/links?q=code+review&limit=5&offset=0'],
    ['/x?%zz=a&flag&=b', '/x?%zz=a&flag&=b'],
    ['/plain/path', '/plain/path'],
  ];
  for (const [url, logged] of cases) {
    it(`logs ${url} as ${logged}`, () => {
      assert.equal(redactUrl(url), logged);
    });
  }
});
