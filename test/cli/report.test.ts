// `postvagt report breach` through the real dispatcher: from an `audit exchange --format json`
// output, from a real SQLite store, bad usage (exit 2), and once through bin/postvagt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli.ts';
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/store/open.ts';
import type { DecisionRecord } from '../../src/store/types.ts';
import { fakeIO as cliIO } from '../support/cli-io.ts';

const fakeIO = (cwd = process.cwd()) => cliIO({ cwd });

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pv-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('audit exchange --format json → report breach --audit: the lost mails and their domains are in the draft', async (t) => {
  const dir = tmp(t);
  const a = fakeIO();
  assert.equal(await main(['audit', 'exchange', 'fixtures/exchange/MSGTRK2026110207-1.LOG', '--format', 'json'], a), 0, a.err());
  const json = join(dir, 'exchange.json');
  writeFileSync(json, a.out());
  const io = fakeIO();
  assert.equal(await main(['report', 'breach', '--from', '2026-11-01', '--to', '2026-11-30', '--audit', json], io), 0, io.err());
  assert.match(io.out(), /\| Mails tabt uden besked til afsender \(lost without notice\), fra logfiler \| 4 \|/);
  assert.match(io.out(), /heraf med et \(maskeret\) CPR-nummer i emnefeltet \| 2 \|/);
  assert.match(io.out(), /\| skat\.dk \| 0 \| 1 \|/);
  assert.doesNotMatch(io.out(), /Postvagts hændelseslog/, 'with only --audit the store is not read');
});

const rec = (id: string, time: string, action: DecisionRecord['action'], fp: string, to: string): DecisionRecord => ({
  id, time, listener: 'outbound', direction: 'outbound', sender: 'sb@kommune.dk', recipients: [to], action,
  reply: '250 2.0.0 OK', incidentId: null, size: 100, subjectMasked: 'Vedr. XXXXXX-XXXX',
  findings: [{ header: 'Subject', masked: 'XXXXXX-XXXX', fingerprint: fp, kind: 'cpr' }],
});

test('report breach --data DIR reads decisions from a real SQLite store; persons counted by fingerprint', async (t) => {
  const dir = tmp(t);
  const store = await openStore(await loadConfig({ env: {}, cwd: dir, overrides: { data: dir } }));
  await store.recordDecision(rec('t1', '2026-11-02T08:00:00.000Z', 'pass', 'f1', 'a@region.dk'));
  await store.recordDecision(rec('t2', '2026-11-03T08:00:00.000Z', 'tag', 'f1', 'b@region.dk'));
  await store.recordDecision(rec('t3', '2026-11-03T09:00:00.000Z', 'pass', 'f2', 'c@jobcenter.dk'));
  await store.recordDecision(rec('t4', '2026-12-03T09:00:00.000Z', 'pass', 'f3', 'late@x.dk'));
  await store.close();
  const io = fakeIO(dir);
  assert.equal(await main(['report', 'breach', '--from', '2026-11-01', '--to', '2026-11-30', '--data', dir, '--format', 'html'], io), 0, io.err());
  assert.match(io.out(), /<td>Sendt med CPR-nummer i klar tekst i mailheadere \(sent in clear\)<\/td><td>3<\/td><td>2<\/td>/);
  assert.match(io.out(), /<td>region\.dk<\/td><td>2<\/td>/);
  assert.doesNotMatch(io.out(), /late@x|x\.dk/);
});

test('bad usage and unreadable input exit 2 with the problem named; a missing data folder is not created', async (t) => {
  const dir = tmp(t);
  const cases: [string[], RegExp][] = [
    [['report', 'breach', '--to', '2026-11-30'], /--from YYYY-MM-DD is required/],
    [['report', 'breach', '--from', '2026-02-30', '--to', '2026-03-01'], /--from must be a calendar date/],
    [['report', 'breach', '--from', '2026-12-01', '--to', '2026-11-30'], /is after --to/],
    [['report', 'breach', '--from', '2026-11-01', '--to', '2026-11-30', '--format', 'pdf'], /--format must be md or html/],
    [['report', 'breach', '--from', '2026-11-01', '--to', '2026-11-30', '--audit', join(dir, 'nope.json')], /nope\.json: no such file/],
    [['report', 'breach', '--from', '2026-11-01', '--to', '2026-11-30', '--bogus'], /unknown option '--bogus' \(see 'postvagt report breach --help'\)/],
    [['report', 'breach', '--from', '2026-11-01', '--to', '2026-11-30', '--data', join(dir, 'var')], /no Postvagt data folder at .*var/],
    [['report', 'frobnicate'], /unknown report 'frobnicate'/],
  ];
  for (const [argv, why] of cases) {
    const io = fakeIO(dir);
    assert.equal(await main(argv, io), 2, argv.join(' '));
    assert.match(io.err(), why, argv.join(' '));
  }
  assert.equal(existsSync(join(dir, 'var')), false);
});

test('bin/postvagt report breach --help runs from the repository', () => {
  const out = execFileSync('bin/postvagt', ['report', 'breach', '--help'], { encoding: 'utf8' });
  assert.match(out, /postvagt report breach — draft a breach notification for Datatilsynet/);
});

test('report breach --config FILE: the store from data_dir, and notify.contact offered as the contact hint', async (t) => {
  const dir = tmp(t);
  const data = join(dir, 'data');
  const store = await openStore(await loadConfig({ env: {}, cwd: dir, overrides: { data } }));
  await store.recordDecision(rec('c1', '2026-11-02T08:00:00.000Z', 'pass', 'f1', 'a@region.dk'));
  await store.close();
  const cfg = join(dir, 'postvagt.yaml');
  writeFileSync(cfg, `data_dir: ${data}\nnotify:\n  contact: "Servicedesk, tlf. 7070 1234"\n`);
  const io = fakeIO(dir);
  assert.equal(await main(['report', 'breach', '--from', '2026-11-01', '--to', '2026-11-30', '--config', cfg], io), 0, io.err());
  assert.match(io.out(), /Kontaktperson for yderligere oplysninger: \[UDFYLDES: fx Servicedesk, tlf\. 7070 1234\]/);
  assert.match(io.out(), /\(sent in clear\) \| 1 \| 1 \|/);
});

test('report breach from a store with no breach in the period: says so plainly; the period is Danish days', async (t) => {
  const dir = tmp(t);
  const store = await openStore(await loadConfig({ env: {}, cwd: dir, overrides: { data: dir } }));
  // 00:30 on 1 December in Denmark (23:30 UTC on 30 November): outside a November period
  await store.recordDecision(rec('d1', '2026-11-30T23:30:00.000Z', 'pass', 'f1', 'a@region.dk'));
  await store.close();
  const io = fakeIO(dir);
  assert.equal(await main(['report', 'breach', '--from', '2026-11-01', '--to', '2026-11-30', '--data', dir], io), 0, io.err());
  assert.match(io.out(), /Type af brud \(type\): intet brud fundet i perioden i de anvendte data/);
  assert.doesNotMatch(io.out(), /\(type\): \./);
  assert.match(io.out(), /hele døgn i dansk tid/);
  const dec = fakeIO(dir);
  assert.equal(await main(['report', 'breach', '--from', '2026-12-01', '--to', '2026-12-01', '--data', dir], dec), 0, dec.err());
  assert.match(dec.out(), /\(sent in clear\) \| 1 \| 1 \|/, 'the mail belongs to the Danish day it was sent on');
  const help = fakeIO(dir);
  await main(['report', 'breach', '--help'], help);
  assert.match(help.out(), /whole days in Danish time/);
});
