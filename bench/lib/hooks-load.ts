// S4's load: every request a new, correctly signed Standard Webhooks delivery. wrk's Lua has no
// HMAC, so this one scenario runs on autocannon (setupRequest signs each request), in this process;
// its baseline is loaded the same way, so the ratio compares like with like.
import autocannon from 'autocannon';
import { Webhook } from 'standardwebhooks';
import type { Load } from './wrk.ts';

let sent = 0;

export async function hooksLoad(options: {
  base: string;
  path: string;
  secret: string;
  seconds: number;
  connections: number;
}): Promise<Load> {
  const signer = new Webhook(options.secret);
  const result = await autocannon({
    url: options.base,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        method: 'POST',
        path: options.path,
        setupRequest: (request) => {
          const id = `msg_${process.pid}_${sent++}`;
          const at = new Date();
          const body = JSON.stringify({ type: 'bench.event', data: { n: sent } });
          return {
            ...request,
            body,
            headers: {
              'content-type': 'application/json',
              'webhook-id': id,
              'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
              'webhook-signature': signer.sign(id, at, body),
            },
          };
        },
      },
    ],
  });
  return { rps: result.requests.average, p99: result.latency.p99, failures: result.non2xx + result.errors };
}
