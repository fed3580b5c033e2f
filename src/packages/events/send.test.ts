import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { allowedNetworks } from './networks.ts';
import { createSender } from './send.ts';

const ALLOWED = ['127.0.0.0/8'];
let server: Server;
let base: string;
let redirectFollowed = false;

before(async () => {
  server = createServer((request, response) => {
    request.resume();
    if (request.url === '/slow') return; // never answers
    if (request.url === '/stall') {
      response.writeHead(200);
      response.write('started');
      return; // the body never ends
    }
    if (request.url === '/redirect') {
      response.writeHead(302, { location: '/target' }).end();
      return;
    }
    if (request.url === '/target') redirectFollowed = true;
    if (request.url === '/large') {
      response.writeHead(200);
      response.end('x'.repeat(1_000_000));
      return;
    }
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

const sender = () => createSender({ allowed: ALLOWED, inAllowed: allowedNetworks(ALLOWED), timeoutMs: 300 });

describe('the sender', () => {
  it('gives up on a receiver that does not answer within the timeout', async () => {
    const result = await sender().send(`${base}/slow`, {}, '{}');
    assert.equal(result.statusCode, null);
    assert.match(result.error ?? '', /no complete answer within/);
    assert.ok(result.durationMs < 2000);
  });

  it('fails a 2xx whose body does not end within the timeout', async () => {
    const result = await sender().send(`${base}/stall`, {}, '{}');
    assert.notEqual(result.error, null);
  });

  it('does not follow redirects: a 302 is a failed attempt', async () => {
    const result = await sender().send(`${base}/redirect`, {}, '{}');
    assert.equal(result.statusCode, 302);
    assert.equal(result.error, 'answered 302');
    assert.equal(redirectFollowed, false);
  });

  it('reads an answer up to the limit only', async () => {
    const result = await sender().send(`${base}/large`, {}, '{}');
    assert.equal(result.statusCode, 200);
    assert.equal(result.error, null);
    assert.equal(result.responseBody?.length, 4096);
  });

  it('refuses at connection plain http outside the allowed networks, and loopback without them', async () => {
    const none = createSender({ allowed: [], inAllowed: allowedNetworks([]), timeoutMs: 300 });
    const plain = await none.send(`${base}/ok`, {}, '{}');
    assert.match(plain.error ?? '', /not allowed/);
    const named = await none.send(base.replace('127.0.0.1', 'localhost'), {}, '{}');
    assert.match(named.error ?? '', /not allowed/);
    const secure = await none.send('https://127.0.0.1:1/hook', {}, '{}');
    assert.match(secure.error ?? '', /not allowed/);
  });
});
