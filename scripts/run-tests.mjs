// Runs every test/**/*.test.ts with Node's built-in test runner (through tsx).
// Node 20's --test has no glob support, so we list the files ourselves.
// Usage: node scripts/run-tests.mjs [PATH_PREFIX...]   e.g. test/detect
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const prefixes = process.argv.slice(2);
const files = walk('test')
  .map((f) => relative('.', f))
  .filter((f) => prefixes.length === 0 || prefixes.some((p) => f.startsWith(p)));
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(2);
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
