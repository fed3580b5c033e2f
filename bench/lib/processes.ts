// Starting the servers under test, timing their cold start, reading their memory.
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Started {
  child: ChildProcess;
  /** Milliseconds from spawn to the first 200 on `probe`. */
  coldStartMs: number;
  stop(): Promise<void>;
}

/**
 * Spawns `args` with stdout appended to `logFile` (the JSON log lines land on disk, as under
 * journald, without this process reading them) and polls `probe` until it answers 200.
 */
export async function startServer(
  args: string[],
  probe: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<Started> {
  const started = performance.now();
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', out, 'inherit'] });
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  for (;;) {
    if (exited) throw new Error(`${args.join(' ')} exited before answering; see ${logFile}`);
    const ok = await fetch(probe).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const coldStartMs = performance.now() - started;
  return {
    child,
    coldStartMs,
    stop: async () => {
      if (!exited) child.kill('SIGTERM');
      await gone;
    },
  };
}

/** Resident memory of a process, in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

/** A process's children (a cluster primary's workers). */
export function childPids(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/**
 * How long `serve` is left idle before its settled RSS is read: startup's garbage grows V8's young
 * generation to 16 MiB a half, and V8's memory reducer gives it back only once the process has
 * been idle for a while (here 15–20 s for one process, 40–50 s for a cluster's workers).
 */
export const SETTLE_MS = 60_000;

/** RSS of a node process that does nothing, after `waitMs`: what `serve`'s idle memory is compared to. */
export async function bareNodeRssMiB(waitMs: number): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  const rss = rssMiB(child.pid as number);
  child.kill();
  return rss;
}
