import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { startTestServer } from './helpers/server.ts';

/** The bytes of an answer's status line and headers, as the client read them. */
function headerBytes(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = request(url, (response) => {
      response.resume();
      const lines = [`HTTP/1.1 ${response.statusCode} ${response.statusMessage}`];
      for (let i = 0; i < response.rawHeaders.length; i += 2) {
        lines.push(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}`);
      }
      response.on('end', () => resolve(Buffer.byteLength(`${lines.join('\r\n')}\r\n\r\n`)));
    });
    sent.on('error', reject);
    sent.end();
  });
}

describe('security headers', () => {
  it('gives API, hook and probe answers the few headers that matter to machines, in few bytes', async (t) => {
    const server = await startTestServer(t);
    for (const path of ['/healthz', '/api/v1/users/authenticated_user', '/hooks/nobody']) {
      const response = await fetch(server.url + path);
      const headers = response.headers;
      assert.equal(headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'", path);
      assert.equal(headers.get('x-content-type-options'), 'nosniff', path);
      assert.match(headers.get('strict-transport-security') ?? '', /^max-age=\d+/, path);
      assert.equal(headers.get('cross-origin-resource-policy'), 'same-origin', path);
      assert.equal(headers.get('x-xss-protection'), null, path);
      assert.ok((await headerBytes(server.url + path)) < 450, path);
    }
  });

  it("keeps helmet's whole set on pages", async (t) => {
    const server = await startTestServer(t);
    const response = await fetch(`${server.url}/user/login`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(response.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  });
});
