import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./flood.mjs', import.meta.url));

export interface Flood {
  /** Resolves once the sender has built its body and starts sending. */
  sending: Promise<void>;
  /** Each answer's status and body, as soon as the sender has them all. */
  answers: Promise<{ status: number; body: string }[]>;
}

/**
 * Posts one body `count` times at once from another process, so the sender's own work never
 * runs on the event loop of the in-process test server. The body is `part` repeated `times`
 * times, joined by `&`, with `{i}` in each replaced by its index.
 */
export function floodFromAnotherProcess(options: {
  url: string;
  headers: Record<string, string>;
  count: number;
  form: { part: string; times: number };
}): Flood {
  const child = spawn(process.execPath, [SCRIPT, JSON.stringify(options)]);
  // The sender prints two lines: `sending`, then the answers as JSON.
  const lines: string[] = [];
  let pending = '';
  let stderr = '';
  let onLine = () => {};
  child.stdout.on('data', (chunk) => {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
    onLine();
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`the sender exited with ${code}: ${stderr}`)),
    );
  });
  const line = (index: number) =>
    Promise.race([
      new Promise<string>((resolve) => {
        onLine = () => {
          if (lines.length > index) resolve(lines[index]);
        };
        onLine();
      }),
      exited.then(() => Promise.reject(new Error(`the sender printed no line ${index + 1}`))),
    ]);
  const sending = line(0).then(() => {});
  return { sending, answers: sending.then(() => line(1)).then((text) => JSON.parse(text)) };
}
