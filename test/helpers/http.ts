import { request as httpRequest } from 'node:http';

/** A small cookie-keeping HTTP client over fetch, as a browser-less client would talk to the server. */
export class Client {
  readonly cookies = new Map<string, string>();

  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  async request(
    path: string,
    init: RequestInit & { json?: unknown; form?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers = new Headers(init.headers);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    } else if (init.form) {
      body = new URLSearchParams(init.form);
    }
    if (this.cookies.size > 0) {
      headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    const response = await fetch(this.baseUrl + path, { ...init, headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  get(path: string, init: RequestInit = {}) {
    return this.request(path, { ...init, method: 'GET' });
  }

  post(path: string, json?: unknown, init: RequestInit = {}) {
    return this.request(path, { ...init, method: 'POST', json });
  }

  patch(path: string, json: unknown, init: RequestInit = {}) {
    return this.request(path, { ...init, method: 'PATCH', json });
  }

  put(path: string, json?: unknown, init: RequestInit = {}) {
    return this.request(path, { ...init, method: 'PUT', json });
  }

  delete(path: string, init: RequestInit = {}) {
    return this.request(path, { ...init, method: 'DELETE' });
  }

  /** Logs in through the API; throws unless it answered 200. */
  async login(username: string, password: string): Promise<void> {
    const response = await this.post('/api/v1/users/authenticate', { username, password });
    if (response.status !== 200)
      throw new Error(`login as ${username} answered ${response.status}: ${await response.text()}`);
  }
}

/**
 * Sends one request with a Host header of the caller's choosing, which fetch never sends, and
 * answers it as fetch would.
 */
export function requestWithHost(
  baseUrl: string,
  path: string,
  host: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      new URL(path, baseUrl),
      { method: init.method ?? 'GET', headers: { ...init.headers, host } },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            for (const item of [value ?? []].flat()) headers.append(name, item);
          }
          const body = chunks.length > 0 ? Buffer.concat(chunks) : null;
          resolve(new Response(body, { status: incoming.statusCode, headers }));
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(init.body);
  });
}
