// Cross-check against real Postfix: for every probe subject, the rule our evaluator says
// matches first must be the one `postmap -q` (Postfix's own regexp: table code) returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseRegexpTable, firstMatch } from '../../../src/audit/config/tables.ts';
import { PROBES, CONTROL } from '../../../src/audit/config/probes.ts';

// postmap needs a main.cf; an empty one of our own keeps the test off the system's /etc/postfix
const CONF = mkdtempSync(join(tmpdir(), 'pv-postmap-conf-'));
writeFileSync(join(CONF, 'main.cf'), '');
process.on('exit', () => rmSync(CONF, { recursive: true, force: true }));

function postmap(table: string, key: string, type = 'regexp'): string {
  try {
    return execFileSync('postmap', ['-c', CONF, '-q', key, `${type}:${table}`], { encoding: 'utf8' }).trim();
  } catch (err) {
    if ((err as { status?: number }).status === 1) return ''; // not found
    throw err;
  }
}

const TABLES = ['fixtures/postfix-config/municipality/header_checks', 'fixtures/postfix-config/protected/header_checks'];

for (const rel of TABLES) {
  test(`probe subjects through ${rel}: our first match = postmap -q`, () => {
    const file = resolve(rel);
    const rules = parseRegexpTable('regexp', file, readFileSync(file, 'utf8'), () => {});
    for (const p of [...PROBES, CONTROL]) {
      const ours = firstMatch(rules, p.header).rule;
      const want = postmap(file, p.header);
      assert.equal(ours ? `${ours.action} ${ours.text}`.trim() : '', want, `${p.label}: ${p.header}`);
    }
  });
}

test('glibc \\d trap: postmap agrees that /\\d{6}-?\\d{4}/ never matches a CPR or "dddddd-dddd"', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pv-postmap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'hc');
  writeFileSync(file, '/^Subject:.*\\d{6}-?\\d{4}/ DISCARD cpr\n');
  const rules = parseRegexpTable('regexp', file, readFileSync(file, 'utf8'), () => {});
  for (const key of ['Subject: Vedr. 010190-1234', 'Subject: dddddd-dddd']) {
    assert.equal(postmap(file, key), '');
    assert.equal(firstMatch(rules, key).rule, null, key);
  }
});

// Rules people really write for CPR numbers, as pcre: tables (Debian's postfix-pcre)
const PCRE_RULES = [
  '/^Subject:.*\\d{6}-?\\d{4}/ DISCARD cpr',
  '/^Subject:.*\\b\\d{6}[- ]?\\d{4}\\b/ REJECT 5.7.1 cpr',
  '/^Subject:.*[0-9]{10}/i HOLD case-sensitive',
  '/(?i)^subject:.*cpr|\\d{6}-\\d{4}/ WARN inline option',
  '/^Subject:.*=\\?utf-8\\?[BQ]\\?/ REJECT encoded subjects',
  '!/^Subject:.*\\d{4}/ DUNNO negated',
  '/^Subject: (?:\\S+ ){2}\\d{6} # date part\n  -?\\d{4}/x REJECT extended',
];

test('pcre: rules — our first match = postmap -q pcre: for every probe subject', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pv-postmap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [i, rule] of PCRE_RULES.entries()) {
    const file = join(dir, `r${i}.pcre`);
    writeFileSync(file, `${rule}\n`);
    const rules = parseRegexpTable('pcre', file, readFileSync(file, 'utf8'), () => {});
    assert.equal(rules.length, 1, rule);
    for (const p of [...PROBES, CONTROL]) {
      const ours = firstMatch(rules, p.header).rule;
      const want = postmap(file, p.header, 'pcre');
      assert.equal(ours ? `${ours.action} ${ours.text}`.trim() : '', want, `${rule} on ${p.label}: ${p.header}`);
    }
  }
});
