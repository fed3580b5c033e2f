// The second step of `npm run build`, after tsc: each dependency below becomes one file in
// dist/vendor/, and dist/'s imports of it point there. Node 20 loads ES modules one file at a
// time, and these two are published as hundreds of small ones (typebox 680 files with its value
// checker, kysely 260): they were two thirds of the files every `endpoint` command and `serve`
// loaded, and about half of their start-up CPU. Bundled, each loads in tens of milliseconds.
// The rest of node_modules is CommonJS or a few files, and stays as it is.
//
// Only the import specifiers change in dist/'s files (es-module-lexer finds them; tsc has already
// compiled everything else), so the tests, which run dist/, run exactly what users run.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init, parse } from 'es-module-lexer';
import { build } from 'esbuild';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const vendor = join(dist, 'vendor');

/** Each vendored specifier, and its file's name in dist/vendor/ (without `.js`). */
const VENDORED = new Map([
  ['typebox', 'typebox'],
  ['typebox/value', 'typebox-value'],
  ['kysely', 'kysely'],
]);

// Split, so what typebox and typebox/value share is one chunk: one copy of TypeBox, as before.
await build({
  entryPoints: Object.fromEntries([...VENDORED].map(([specifier, name]) => [name, specifier])),
  outdir: vendor,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});

await init;
let rewritten = 0;
for (const file of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
  const path = join(dist, file);
  if (!file.endsWith('.js') || path.startsWith(vendor)) continue;
  const source = readFileSync(path, 'utf8');
  const [imports] = parse(source);
  let output = '';
  let last = 0;
  // A static import's or export's `start` and `end` hold the specifier without its quotes.
  for (const { type, specifier, start, end } of imports) {
    const name = type === 'static' && specifier !== undefined ? VENDORED.get(specifier) : undefined;
    if (name === undefined) continue;
    const target = relative(dirname(path), join(vendor, `${name}.js`));
    output += source.slice(last, start) + (target.startsWith('.') ? target : `./${target}`);
    last = end;
  }
  if (last === 0) continue;
  writeFileSync(path, output + source.slice(last));
  rewritten++;
}
console.log(`dist/vendor/: ${[...VENDORED.keys()].join(', ')}; ${rewritten} files of dist/ import them there`);
