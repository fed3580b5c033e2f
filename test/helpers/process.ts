import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
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

/** Starts the real binary (dev-server or serve) and follows its output line by line. */
export function spawnServer(args: string[], options: { env?: Record<string, string>; cwd?: string }): ServerProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env } });
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
