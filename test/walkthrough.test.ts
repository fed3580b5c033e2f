// The README's "Add your own package" is built as written: every block that names a file is
// written into a copy of the project, which is compiled and runs the package's own test on this
// run's database. A walkthrough nobody runs stops working without anyone noticing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DATABASE_KIND } from './helpers/database.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const FOLDER = 'src/packages/notes';
const LIST = 'src/packages/index.ts';
const TEST = `${FOLDER}/notes.test.ts`;
// A whole package with API, CLI, hook handler and admin stays small enough to read in one sitting.
const MAX_LINES = 160;

interface FileBlock {
  lang: string;
  path: string;
  text: string;
}

/** The README's fenced blocks whose info string names a file (```ts file=src/...), in order. */
function fileBlocks(readme: string): FileBlock[] {
  const section = readme.slice(readme.indexOf('## Add your own package'), readme.indexOf('## Development'));
  return [...section.matchAll(/^```(\w+) file=(\S+)\n([\s\S]*?)^```$/gm)].map(([, lang, path, text]) => ({
    lang,
    path,
    text,
  }));
}

/**
 * Applies a `diff` block: each hunk (after an `@@` line) has context lines (` `), lines it
 * removes (`-`) and lines it adds (`+`); its context and removed lines must appear once in the
 * file, in a row, and are replaced by its context and added lines.
 */
function applyDiff(source: string, diff: string): string {
  const hunks = diff.split(/^@@.*\n/m).filter((hunk) => hunk.trim() !== '');
  return hunks.reduce((text, hunk) => {
    const lines = hunk.replace(/\n$/, '').split('\n');
    const side = (drop: string) =>
      lines
        .filter((line) => !line.startsWith(drop))
        .map((line) => line.slice(1))
        .join('\n');
    const [before, after] = [side('+'), side('-')];
    assert.equal(text.split(before).length, 2, `the lines this hunk replaces appear once in the file:\n${before}`);
    return text.replace(before, () => after);
  }, source);
}

/** Lines that are neither blank nor only a comment. */
function codeLines(text: string): number {
  return text.split('\n').filter((line) => !/^\s*($|\/\/|\/\*|\*)/.test(line)).length;
}

/** Lines of `b` not in `a` (each line counted as often as it occurs). */
function linesOnlyIn(a: string, b: string): string[] {
  const left = a.split('\n');
  return b.split('\n').filter((line) => {
    const index = left.indexOf(line);
    if (index === -1) return true;
    left.splice(index, 1);
    return false;
  });
}

/** Runs a command in `cwd` and answers its stdout; fails the test with its output unless it exits 0. */
function run(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ?? ''}`;
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed:\n${output}`);
  return result.stdout;
}

it("the README's notes package builds from its code blocks, passes its test, and stays within its size", {
  timeout: 300_000,
}, async (t) => {
  const blocks = fileBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
  const outside = blocks.filter((block) => !block.path.startsWith(`${FOLDER}/`));
  assert.deepEqual(
    outside.map((block) => `${block.lang} ${block.path}`),
    [`diff ${LIST}`],
    'one edit outside the folder',
  );
  assert.ok(
    blocks.some((block) => block.path === TEST),
    `the README shows the test, ${TEST}`,
  );

  const copy = mkdtempSync(join(tmpdir(), 'endpoint-walkthrough-'));
  t.after(() => rmSync(copy, { recursive: true, force: true }));
  for (const entry of ['src', 'test', 'bin', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'biome.json']) {
    // A notes folder left from following the walkthrough in this checkout is not the README's.
    cpSync(join(root, entry), join(copy, entry), {
      recursive: true,
      filter: (from) => from !== join(root, FOLDER),
    });
  }
  symlinkSync(realpathSync(join(root, 'node_modules')), join(copy, 'node_modules'));

  const list = readFileSync(join(copy, LIST), 'utf8');
  const listed = applyDiff(list, outside[0].text);
  writeFileSync(join(copy, LIST), listed);
  const added = linesOnlyIn(list, listed);
  const removed = linesOnlyIn(listed, list);
  t.diagnostic(`outside ${FOLDER}/: ${LIST}, ${added.length} lines added, ${removed.length} removed`);
  // One line: the package appended to the list.
  assert.deepEqual(removed, []);
  assert.deepEqual(added, ["  (await import('./notes/index.ts')).default,"]);

  let total = 0;
  for (const block of blocks.filter((block) => block.path.startsWith(`${FOLDER}/`))) {
    mkdirSync(dirname(join(copy, block.path)), { recursive: true });
    writeFileSync(join(copy, block.path), block.text);
    if (block.path === TEST) continue;
    const lines = codeLines(block.text);
    total += lines;
    t.diagnostic(`${block.path}: ${lines} lines of code`);
  }
  t.diagnostic(`the notes package: ${total} lines of code (at most ${MAX_LINES}), its test not counted`);
  assert.ok(total <= MAX_LINES, `the notes package has ${total} lines of code, more than ${MAX_LINES}`);

  const bin = (name: string) => join(copy, 'node_modules', '.bin', name);
  // The README's code reads like the project's: formatted and linted alike.
  run(copy, bin('biome'), ['check', FOLDER, LIST]);
  // Emitting without checking, then one check of src/ (the test included), costs one type check.
  run(copy, bin('tsc'), ['-p', 'tsconfig.build.json', '--noCheck']);
  writeFileSync(join(copy, 'tsconfig.src.json'), JSON.stringify({ extends: './tsconfig.json', include: ['src'] }));
  run(copy, bin('tsc'), ['-p', 'tsconfig.src.json']);
  // A test runner started from a test reports to its parent unless told it is on its own.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const report = run(copy, process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', TEST], env);
  assert.match(report, /^# pass [1-9]/m, report);
  t.diagnostic(`${TEST} on ${DATABASE_KIND}: ${report.match(/^# pass (\d+)/m)?.[1]} passed`);
});
