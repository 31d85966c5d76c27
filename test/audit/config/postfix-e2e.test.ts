// End to end with a real Postfix: the municipality's header_checks installed in a private
// Postfix on loopback, each probe subject sent with swaks. What Postfix really does (discard vs.
// deliver) must match what `audit config` predicts for that form — and the audit of the live
// configuration directory must report the CPR DISCARD rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPostfix, startSmtpSink } from '../../support/postfix.ts';
import { PROBES } from '../../../src/audit/config/probes.ts';
import { parseRegexpTable, firstMatch } from '../../../src/audit/config/tables.ts';
import { auditConfig } from '../../../src/audit/config/index.ts';

const run = promisify(execFile);

/** poll Postfix's own log until the recipient was discarded or delivered */
async function fateIn(readLog: () => string, to: string): Promise<'DISCARD' | 'none'> {
  const discarded = new RegExp(`discard: header Subject: .*to=<${to}>`);
  const sent = new RegExp(`to=<${to}>.*status=sent`);
  for (let i = 0; i < 200; i++) {
    const log = readLog();
    if (discarded.test(log)) return 'DISCARD';
    if (sent.test(log)) return 'none';
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no discard or delivery for ${to} in the Postfix log:\n${readLog().slice(-2000)}`);
}
const CHECKS = readFileSync('fixtures/postfix-config/municipality/header_checks', 'utf8');

test('real Postfix discards exactly the probe forms the audit says the DISCARD rule catches', { timeout: 90_000 }, async (t) => {
  const sink = await startSmtpSink({ capture: true });
  t.after(() => sink.stop());
  const pf = await startPostfix({ relayhost: `[127.0.0.1]:${sink.port}`, headerChecks: CHECKS });
  t.after(() => pf.stop());
  const rules = parseRegexpTable('regexp', 'hc', CHECKS, () => {});
  for (const [i, p] of PROBES.entries()) {
    const to = `probe${i}@dest.example`;
    await run('swaks', ['--server', `127.0.0.1:${pf.smtpPort}`, '--from', 'sb@kommune.example', '--to', to,
      '--header', p.header, '--body', 'Brødtekst uden nummer.', '--hide-all']);
    const predicted = firstMatch(rules, p.header).rule?.action ?? 'none';
    const outcome = await fateIn(pf.readLog, to);
    assert.equal(outcome, predicted, `${p.label}: Postfix did ${outcome}, audit predicted ${predicted}`);
  }
  // what Postfix itself logged: the matched header, CPR and all — why the audit masks log text
  assert.match(pf.readLog(), /discard: header Subject: Vedr\. borger 010190-1234/);

  const r = await auditConfig([pf.configDir]);
  const dropped = r.findings.find((f) => f.rule === 'cpr-silently-dropped');
  assert.ok(dropped, JSON.stringify(r, null, 1));
  assert.equal(dropped.file, join(pf.configDir, 'header_checks'));
  assert.ok(r.findings.some((f) => f.rule === 'cpr-not-caught' && /B-encoded/.test(f.message)));
});
