// Runs wrk (Debian's /usr/bin/wrk) against one URL and reads its req/s, p99 and failures.
import { spawn } from 'node:child_process';

export interface Load {
  rps: number;
  /** Milliseconds. */
  p99: number;
  /** Answers outside 2xx/3xx plus socket errors: a scenario with any is not a measurement. */
  failures: number;
}

export interface WrkOptions {
  url: string;
  seconds: number;
  connections: number;
  headers?: Record<string, string>;
  /** A Lua script making each request (S5), and the environment it reads. */
  script?: string;
  env?: Record<string, string>;
}

const UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function milliseconds(value: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(value);
  if (!match) throw new Error(`wrk latency "${value}" not understood`);
  return Number(match[1]) * UNITS[match[2]];
}

export function wrk(options: WrkOptions): Promise<Load> {
  const args = ['-t2', `-c${options.connections}`, `-d${options.seconds}s`, '--latency', '--timeout', '10s'];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  if (options.script) args.push('-s', options.script);
  args.push(options.url);
  const child = spawn('wrk', args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
      const p99 = /^\s+99%\s+(\S+)/m.exec(out);
      if (code !== 0 || !rps || !p99) return reject(new Error(`wrk ${args.join(' ')} failed:\n${out}`));
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const errors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
      resolve({ rps: Number(rps[1]), p99: milliseconds(p99[1]), failures: non2xx + errors });
    });
  });
}
