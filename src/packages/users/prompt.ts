import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliError } from '../../core/cli/run-action.ts';

/**
 * Asks for a new password twice on the terminal, without echoing it, and returns it once
 * both answers match. Only for an interactive stdin: the caller checks `process.stdin.isTTY`.
 */
export async function promptNewPassword(): Promise<string> {
  const [first, second] = await askHidden(['Password: ', 'Password (again): ']);
  if (first === '') throw new CliError('the password must not be empty');
  if (first !== second) throw new CliError('the passwords do not match');
  return first;
}

/**
 * readline draws the prompt and redraws the line on each keystroke through `output`; that
 * stream forwards to stderr (stdout stays for data) and goes quiet once the prompt is shown,
 * so the typed characters never reach the screen.
 */
function askHidden(questions: string[]): Promise<string[]> {
  let muted = false;
  const output = new Writable({
    write(chunk, encoding, callback) {
      if (!muted) process.stderr.write(chunk, encoding);
      callback();
    },
  });
  // historySize 0: readline would otherwise keep the answers in its in-memory history.
  const rl = createInterface({ input: process.stdin, output, terminal: true, historySize: 0 });
  const answers: string[] = [];

  return new Promise<string[]>((resolve, reject) => {
    const stop = (error: CliError) => {
      muted = false;
      process.stderr.write('\n');
      rl.removeAllListeners('close');
      rl.close();
      reject(error);
    };
    rl.on('SIGINT', () => stop(new CliError('cancelled')));
    rl.on('close', () => stop(new CliError('no password entered')));

    const ask = () => {
      muted = false;
      rl.question(questions[answers.length], (answer) => {
        muted = false;
        // The Enter key was echoed into the muted stream; end the prompt's line ourselves.
        process.stderr.write('\n');
        answers.push(answer);
        if (answers.length < questions.length) return ask();
        rl.removeAllListeners('close');
        rl.close();
        resolve(answers);
      });
      muted = true;
    };
    ask();
  });
}
