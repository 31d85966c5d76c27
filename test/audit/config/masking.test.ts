// Invariant 2 for `audit config`: a rule that quotes a CPR number is reported masked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditConfig } from '../../../src/audit/config/index.ts';

test('a header_checks rule and an Exchange rule name holding a CPR number are reported masked', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pv-cfgmask-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'main.cf'), `header_checks = regexp:${dir}/header_checks\n`);
  writeFileSync(join(dir, 'header_checks'), '/^Subject:.*2512841234/ DISCARD cpr 2512841234 found\n');
  const rules = join(dir, 'rules.json');
  writeFileSync(rules, JSON.stringify([{ Name: 'Slet 1605973825', DeleteMessage: true, SubjectContainsWords: ['1605973825'] }]));
  const r = await auditConfig([dir, rules]);
  const text = JSON.stringify(r);
  assert.ok(r.findings.some((f) => /DISCARD/.test(f.message)), 'the DISCARD rule is reported');
  assert.ok(r.findings.some((f) => f.file === rules), 'the transport rule is reported');
  assert.doesNotMatch(text, /2512841234|1605973825/, 'no raw number in any finding or warning');
  assert.match(text, /XXXXXX-XXXX/);
});
