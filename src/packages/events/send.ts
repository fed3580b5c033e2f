import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { hostOf } from './url-guard.ts';

/** How one POST to a receiver went. */
export interface SendResult {
  /** The receiver's status; null when no answer came (refused, timed out, connection failed). */
  statusCode: number | null;
  error: string | null;
  /** The start of the answer, at most `responseLimit` bytes; null without an answer. */
  responseBody: string | null;
  durationMs: number;
  /** A `Retry-After` the receiver sent, in milliseconds. */
  retryAfterMs?: number;
}

export interface SenderOptions {
  /** ENDPOINT_EVENTS_ALLOWED_NETWORKS, and the matcher for it. */
  allowed: readonly string[];
  inAllowed: (address: string) => boolean;
  /** The whole exchange, connection to last byte read: a 2xx after it is a failure. */
  timeoutMs?: number;
  responseLimit?: number;
}

const USER_AGENT = 'Endpoint-Webhooks/1';

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `now`; undefined when absent or malformed. */
export function retryAfterMs(header: string | undefined, now: Date): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/**
 * Sends signed messages. The SSRF guard runs again at each connection: request-filtering-agent
 * refuses non-public addresses (unless allowed) after DNS resolves, so a name that resolved to a
 * public address at creation and to 169.254.169.254 now is refused; plain http additionally
 * connects only to addresses inside the allowed networks. No redirect is followed (node's http
 * never follows one: a 3xx is a failed attempt), and the exchange is cut at the timeout.
 */
export function createSender(options: SenderOptions) {
  const { inAllowed, timeoutMs = 15_000, responseLimit = 4096 } = options;
  // Connections are kept for the next message to the same receiver: each was checked when it
  // connected, to the address it is connected to, so reusing one reaches nothing new.
  const agentOptions = { allowIPAddressList: [...options.allowed], keepAlive: true, maxSockets: 16 };
  const httpsAgent = new RequestFilteringHttpsAgent(agentOptions);
  const httpAgent = new RequestFilteringHttpAgent(agentOptions);

  // Plain http is for allowed networks only: every address a name resolves to must be inside them.
  const allowedOnlyLookup = ((host, lookupOptions, callback) => {
    dnsLookup(host, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 4);
      const outside = addresses.find(({ address }) => !inAllowed(address));
      if (outside) return callback(new Error(`plain http to ${outside.address} is not allowed`), '', 4);
      if (lookupOptions.all) return (callback as unknown as (e: null, a: typeof addresses) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  }) as LookupFunction;

  return {
    /** POSTs `body` to `url` with `headers`; never throws. */
    send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      return new Promise((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        let settled = false;
        const finish = (result: Omit<SendResult, 'durationMs'>) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ ...result, durationMs: elapsed() });
        };
        const fail = (error: string) => finish({ statusCode: null, error, responseBody: null });
        let target: URL;
        try {
          target = new URL(url);
        } catch {
          return fail('the URL is not valid');
        }
        const plain = target.protocol === 'http:';
        const host = hostOf(target);
        if (plain && isIP(host) !== 0 && !inAllowed(host)) {
          return fail(`plain http to ${host} is not allowed`);
        }
        const request = (plain ? httpRequest : httpsRequest)(target, {
          method: 'POST',
          agent: plain ? httpAgent : httpsAgent,
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': USER_AGENT,
          },
          ...(plain && { lookup: allowedOnlyLookup }),
        });
        timer = setTimeout(() => {
          request.destroy(new Error(`no complete answer within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        request.on('error', (error) => fail(error.message || 'the request failed'));
        request.on('response', (response: IncomingMessage) => {
          const status = response.statusCode ?? 0;
          const chunks: Buffer[] = [];
          let size = 0;
          const done = (error: string | null) => {
            const ok = status >= 200 && status < 300;
            finish({
              statusCode: status,
              error: error ?? (ok ? null : `answered ${status}`),
              responseBody: Buffer.concat(chunks).toString('utf8'),
              retryAfterMs: retryAfterMs(response.headers['retry-after'], new Date()),
            });
          };
          response.on('data', (chunk: Buffer) => {
            if (size < responseLimit) chunks.push(chunk.subarray(0, responseLimit - size));
            size += chunk.length;
            // Enough read: the rest of a large answer is not waited for.
            if (size >= responseLimit) {
              done(null);
              response.destroy();
            }
          });
          response.on('end', () => done(null));
          // A 2xx whose body stalls past the timeout still failed: the timer destroys the request.
          response.on('error', (error) => {
            if (size < responseLimit) done(error.message || 'the answer was cut short');
          });
        });
        request.end(body);
      });
    },

    close(): void {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

export type Sender = ReturnType<typeof createSender>;
