// `bin/postvagt scan` as a child process, the way scripts call it: exact JSON shapes of DESIGN's
// contract with --reveal, and a closed pipe (`| head -1`) that must end the run quietly.
// I/O: spawns bin/postvagt and bash; reads fixtures/mail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const BIN = 'bin/postvagt';

test('bin/postvagt scan text --reveal prints exactly the DESIGN shape', () => {
  const r = spawnSync(BIN, ['scan', 'text', '--reveal'], { input: 'Sag «220754-0181»\n\n', encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, [
    '{"line":1,"findings":[{"start":5,"end":16,"masked":"XXXXXX-XXXX","kind":"cpr","mod11":false,"cpr":"2207540181"}]}',
    '{"line":2,"findings":[]}', ''].join('\n'));
  assert.equal(r.stderr, '');
});

test('bin/postvagt scan message --reveal prints exactly the DESIGN shape', () => {
  const r = spawnSync(BIN, ['scan', 'message', '--reveal', 'fixtures/mail/eml/02-display-name.eml'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '{"file":"fixtures/mail/eml/02-display-name.eml","findings":['
    + '{"header":"To","start":20,"end":30,"masked":"XXXXXX-XXXX","kind":"cpr","mod11":false,"cpr":"2512841234"},'
    + '{"header":"X-Sag","start":3,"end":13,"masked":"XXXXXX-XXXX","kind":"cpr","mod11":false,"cpr":"2812219561"}]}\n');
});

test('postvagt scan text | head -1: the closed pipe ends the run quietly with exit 0', () => {
  const script = `yes 'Sag 140432-2464' | head -n 200000 | ${BIN} scan text | head -n 1; echo "status=\${PIPESTATUS[2]}" >&2`;
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  assert.equal(r.stdout, '{"line":1,"findings":[{"start":4,"end":15,"masked":"XXXXXX-XXXX","kind":"cpr","mod11":false}]}\n');
  assert.equal(r.stderr, 'status=0\n', 'no EPIPE stack trace, exit 0');
});
