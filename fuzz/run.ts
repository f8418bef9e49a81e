// `npm run fuzz -- --minutes N`: the fuzz tests (*.fuzz.test.ts) for about N minutes instead of their bounded
// `npm test` run. Each property gets an equal share of the time; the counts of inputs tried are printed per property.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

function minutesArg(argv: string[]): number {
  const at = argv.indexOf('--minutes');
  const text = at >= 0 ? argv[at + 1] : argv.find((a) => a.startsWith('--minutes='))?.slice('--minutes='.length);
  const minutes = Number(text ?? 1);
  if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`--minutes: expected a positive number, got ${JSON.stringify(text)}`);
  return minutes;
}

function fuzzFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : fuzzFiles(path);
    return e.name.endsWith('.fuzz.test.ts') ? [relative(ROOT, path)] : [];
  });
}

const minutes = minutesArg(process.argv.slice(2));
const files = fuzzFiles(join(ROOT, 'src'));
// Properties run one after another within a file, two files at a time (vitest.config.ts): each property gets twice
// the budget over their number (counted as the fuzz calls in the files).
const properties = files.reduce((n, f) => n + (readFileSync(join(ROOT, f), 'utf8').match(/\bfuzz(Async)?\(/g)?.length ?? 0), 0);
const perPropertyMs = Math.max(1000, Math.floor((minutes * 60_000 * 2) / Math.max(1, properties)));
console.log(`fuzzing ${files.length} files for about ${minutes} min (${Math.round(perPropertyMs / 1000)} s per property)`);
const result = spawnSync('npx', ['vitest', 'run', `--testTimeout=${perPropertyMs * 2 + 60_000}`, ...files], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, SLIPWAY_FUZZ_MS: String(perPropertyMs) },
});
process.exit(result.status ?? 1);
