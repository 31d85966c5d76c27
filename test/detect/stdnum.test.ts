// Cross-check of the date and century rule against an independent implementation:
// python-stdnum's stdnum.dk.cpr, run once as a batch over 120,000 generated numbers.
// I/O: one /usr/bin/python3 child process (stdin → stdout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { birthDate, cprKind, scanText } from '../../src/detect/index.ts';

const PY = `
import sys
from stdnum.dk import cpr
out = []
for n in sys.stdin.read().split():
    try:
        d = cpr.get_birth_date(n).isoformat()
    except Exception:
        out.append('X'); continue
    out.append(d + (' V' if cpr.is_valid(n) else ' N'))
sys.stdout.write('\\n'.join(out))
`;

/** Deterministic numbers: half uniform digits, half shaped like dates (edges included). */
function generate(count: number): string[] {
  let state = 0x2545f491;
  const next = (m: number): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % m;
  };
  const two = (v: number): string => String(v).padStart(2, '0');
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) {
      let s = '';
      for (let k = 0; k < 10; k++) s += String(next(10));
      out.push(s);
    } else {
      const day = next(93); // 00–92: invalid, ordinary, and replacement days
      out.push(two(day) + two(next(14)) + two(next(100)) + String(next(10)) + String(next(1000)).padStart(3, '0'));
    }
  }
  return out;
}

const iso = (d: { year: number; month: number; day: number }): string =>
  `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

test('century and date rule agree with python-stdnum on 120,000 numbers, except replacements and future dates', () => {
  const numbers = generate(120_000);
  // replacement numbers are also sent with the day minus 60, so stdnum checks the real date
  const unreplaced = numbers.filter((n) => Number(n.slice(0, 2)) > 60).map(unreplace);
  const input = [...numbers, ...unreplaced].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', PY], { input, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr?.toString());
  const all = r.stdout.toString().split('\n');
  assert.equal(all.length, numbers.length + unreplaced.length);
  const theirs = all.slice(0, numbers.length);
  const theirsUnreplaced = new Map(unreplaced.map((n, i) => [n, all[numbers.length + i]]));
  const today = new Date().toISOString().slice(0, 10);
  const tally = { agree: 0, replacement: 0, future: 0, invalid: 0 };
  numbers.forEach((n, i) => {
    const kind = cprKind(n);
    const t = theirs[i];
    if (kind === null) {
      assert.equal(t, 'X', `${n}: we reject the date, stdnum accepts it`);
      tally.invalid++;
    } else if (kind === 'replacement') {
      // stdnum does not know day + 60: it rejects the date; the real date must match its reading
      assert.equal(t, 'X', `${n}: stdnum accepts a replacement number`);
      assert.equal(theirsUnreplaced.get(unreplace(n))?.slice(0, 10), iso(birthDate(n)!), `${n}: replacement date`);
      tally.replacement++;
    } else {
      const ours = iso(birthDate(n)!);
      assert.equal(t.slice(0, 10), ours, `${n}: birth date differs`);
      // stdnum rejects future birth dates; we accept them (pure code does not read the clock)
      if (ours > today) {
        assert.equal(t.slice(11), 'N', `${n}: future date accepted by stdnum`);
        tally.future++;
      } else {
        assert.equal(t.slice(11), 'V', `${n}: stdnum rejects a past date`);
        tally.agree++;
      }
    }
    // the scanner agrees with the rule on the bare number
    assert.equal(scanText(n).length, kind === null ? 0 : 1, `${n}: scanner vs rule`);
  });
  for (const [k, v] of Object.entries(tally)) assert.ok(v > 1000, `too few ${k} cases: ${v}`);
});

function unreplace(n: string): string {
  return String(Number(n.slice(0, 2)) - 60).padStart(2, '0') + n.slice(2);
}
