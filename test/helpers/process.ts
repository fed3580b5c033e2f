import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import { BIN } from './cli.ts';

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  /** Everything printed so far, stdout and stderr interleaved line by line. */
  output: string[];
  /** Resolves with the first line (already printed or still to come) matching the pattern. */
  waitFor(pattern: RegExp): Promise<string>;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/**
 * Starts the real binary (dev-server or serve) and follows its output line by line. `detached`
 * makes it lead a process group of its own, which `killGroup` signals whole, as systemd signals
 * a service's cgroup.
 */
export function spawnServer(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; detached?: boolean },
): ServerProcess {
  return spawnNode([BIN, ...args], options);
}

/** Like spawnServer, for any script node runs: `argv` is what follows `node`. */
export function spawnNode(
  argv: string[],
  options: { env?: Record<string, string>; cwd?: string; detached?: boolean },
): ServerProcess {
  const child = spawn(process.execPath, argv, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: options.detached,
  });
  const output: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const onLine = (line: string) => {
    output.push(line);
    for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buffer = '';
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      lines.forEach(onLine);
    });
  }
  return {
    child,
    output,
    exited,
    waitFor(pattern) {
      const seen = output.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        exited.then((code) =>
          reject(new Error(`exited with ${code} before printing ${pattern}:\n${output.join('\n')}`)),
        );
      });
    },
  };
}

/** Signals every process of a server spawned `detached`: the primary and its cluster workers. */
export function killGroup(server: ServerProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-(server.child.pid ?? 0), signal);
  } catch (error) {
    // The group is already gone.
    if ((error as { code?: string }).code !== 'ESRCH') throw error;
  }
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A loopback port nothing listens on at the moment, for a server whose logs will not say its port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Calls `check` until it returns true; fails naming `what` once `timeoutMs` has passed. */
export async function pollUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A worker's "Server listening" log line: its pid, then its port. */
export const LISTENING = /"pid":(\d+).*Server listening at http:\/\/127\.0\.0\.1:(\d+)/;

/** Waits until `count` workers with different pids have logged that they listen; returns the pids. */
export async function listeningWorkers(server: ServerProcess, count: number, seen: number[] = []): Promise<number[]> {
  const pids = [...seen];
  while (pids.length < count) {
    const others = pids.length > 0 ? `(?!(?:${pids.join('|')})\\b)` : '';
    const line = await server.waitFor(new RegExp(`"pid":${others}\\d+.*Server listening`));
    pids.push(Number(LISTENING.exec(line)?.[1]));
  }
  return pids;
}

/**
 * Starts `serve --workers N` on a free port, in a process group of its own (SIGKILLed whole when
 * the test ends), and waits until it answers /healthz.
 */
export async function startServeGroup(
  t: Pick<TestContext, 'after'>,
  env: Record<string, string>,
  workers = 1,
): Promise<{ server: ServerProcess; url: string }> {
  const port = await freePort();
  const args = ['serve', '--host', '127.0.0.1', '--port', String(port), '--workers', String(workers)];
  const server = spawnServer(args, { env, detached: true });
  t.after(() => killGroup(server, 'SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  await pollUntil('serve to answer /healthz', 30_000, async () => {
    if (server.child.exitCode !== null) throw new Error(`serve exited early:\n${server.output.join('\n')}`);
    return (await fetch(`${url}/healthz`).catch(() => undefined))?.status === 200;
  });
  return { server, url };
}
