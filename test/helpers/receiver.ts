import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { pollUntil } from './process.ts';

/** One request a receiver got, as it arrived. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** What the receiver answers a request: a status, and headers to add. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
}

export interface Receiver {
  /** http://127.0.0.1:<port>/hook */
  url: string;
  received: Received[];
  /** Answers given in turn to the next requests; then 200. */
  answers: Answer[];
  /** Waits until at least `count` requests arrived (of `type` when given), and answers them. */
  waitFor(count: number, type?: string, timeoutMs?: number): Promise<Received[]>;
}

/** The receivers' requests of one event type, in arrival order. */
export function ofType(received: Received[], type: string): Received[] {
  return received.filter((request) => (JSON.parse(request.body) as { type: string }).type === type);
}

/** A receiver of event messages on loopback, closed when the test ends. */
export async function startReceiver(t: Pick<TestContext, 'after'>): Promise<Receiver> {
  const received: Received[] = [];
  const answers: Answer[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const answer = answers.shift() ?? { status: 200 };
      response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      response.end(answer.status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    answers,
    async waitFor(count, type, timeoutMs = 15_000) {
      const matching = () => (type === undefined ? received : ofType(received, type));
      await pollUntil(
        `${count} ${type ?? 'message'}(s) at the receiver`,
        timeoutMs,
        async () => matching().length >= count,
      );
      return matching();
    },
  };
}
