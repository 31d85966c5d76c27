// `postvagt digest` printing through the real dispatcher, against a real SQLite store seeded with
// incidents: Danish day boundaries (DST included), unresolved incidents, no raw CPR in any output,
// bad usage (exit 2 with the right form shown). I/O: temp data folders; no network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli.ts';
import { addDays, dayBounds, localDay, parseDay } from '../../src/cli/digest.ts';
import { incident, RAW } from '../store/helpers.ts';
import { parseWithPython } from '../notify/python-email.ts';
import { assertNoRawCpr, fakeIO, seed, tmp } from './digest-helpers.test.ts';

// 2026-11-20 in Copenhagen is [2026-11-19T23:00Z, 2026-11-20T23:00Z) (winter time, UTC+1)
const DAY = '2026-11-20';
const seeded = [
  incident('PV-20261119-BEFORE', '2026-11-19T22:50:00.000Z'), // 23:50 on the 19th, Danish time
  incident('PV-20261120-EARLY1', '2026-11-19T23:30:00.000Z', {
    // the 20th at 00:30 Danish time; a raw number where only a masked one belongs must still not leak
    subjectMasked: `Sag ${RAW} partshøring`, recipients: [`${RAW}@borger.dk`], sender: 'hanne.jensen@kommune.dk',
  }),
  incident('PV-20261120-SYSTEM', '2026-11-20T09:00:00.000Z', {
    action: 'upstream-fail', classification: 'systemic', classificationReason: 'The next mail server refused or could not be reached.', findings: [],
  }),
  incident('PV-20261120-LATE01', '2026-11-20T22:59:00.000Z', { status: 'resolved', resolution: 'resent' }),
  incident('PV-20261121-AFTER1', '2026-11-20T23:10:00.000Z'), // the 21st at 00:10 Danish time
  incident('PV-20261110-OPEN01', '2026-11-10T08:00:00.000Z', { status: 'reviewed', subjectMasked: 'Gammel sag XXXXXX-XXXX' }),
  incident('PV-20261110-DONE01', '2026-11-10T09:00:00.000Z', { status: 'resolved', resolution: 'false-positive' }),
];

test('digest --date prints the Danish day: its incidents, systemic first, the unresolved, and no raw CPR', async (t) => {
  const dir = tmp(t);
  await seed(dir, seeded);
  const io = fakeIO(dir);
  assert.equal(await main(['digest', '--date', DAY, '--data', dir], io), 0, io.err());
  const out = io.out();
  assert.match(out, /^To: postmaster@localhost\nSubject: \[Postvagt\] Døgnrapport 2026-11-20: 3 hændelser, \d+ uløste? > 24 t - 1 SYSTEMISK\/SYSTEMIC \/ Daily digest\n\n/);
  const all = out.slice(out.indexOf('ALL INCIDENTS ON 2026-11-20:'));
  assert.deepEqual([...all.matchAll(/PV-\d{8}-\w{6}/g)].map((m) => m[0]), ['PV-20261120-EARLY1', 'PV-20261120-SYSTEM', 'PV-20261120-LATE01']);
  const systemic = out.slice(out.indexOf('SYSTEMIC ALERTS (1)'), out.indexOf('UNRESOLVED'));
  assert.match(systemic, /PV-20261120-SYSTEM .*\n.*\n {4}The next mail server refused/);
  const unresolved = out.slice(out.indexOf('UNRESOLVED'), out.indexOf('ALL INCIDENTS'));
  assert.match(unresolved, /PV-20261110-OPEN01 .*reviewed/);
  assert.doesNotMatch(unresolved, /DONE01|LATE01/, 'resolved incidents are not unresolved');
  assert.match(out, /"Sag XXXXXX-XXXX partshøring"/);
  assertNoRawCpr(out, 'stdout');
  assertNoRawCpr(io.err(), 'stderr');
});

test('digest --format eml is the mail as it would be sent: valid, to the configured mailbox, masked', async (t) => {
  const dir = tmp(t);
  await seed(dir, seeded);
  const config = join(dir, 'postvagt.yaml');
  writeFileSync(config, `data_dir: ${dir}\nnotify:\n  central_mailbox: fejlpostkasse@kommune.dk\n  postmaster: postmaster@kommune.dk\n`);
  const io = fakeIO(dir);
  assert.equal(await main(['digest', '--date', DAY, '--config', config, '--format', 'eml'], io), 0, io.err());
  const raw = Buffer.from(io.out(), 'utf8');
  assert.match(io.out(), /^From: Postvagt <postmaster@kommune\.dk>\r\nTo: <fejlpostkasse@kommune\.dk>\r\n/);
  const [p] = parseWithPython([raw]);
  assert.equal(p.error, null);
  assert.deepEqual(p.headers['auto-submitted'], ['auto-generated']);
  assert.match(p.headers.subject[0], /^\[Postvagt\] Døgnrapport 2026-11-20: 3 hændelser/);
  const body = io.out().replaceAll('=\r\n', '');
  assert.match(body, /PV-20261120-EARLY1/);
  assertNoRawCpr(body, 'the mail');
});

test('without --date the digest is for yesterday in Danish time', async (t) => {
  const dir = tmp(t);
  // yesterday computed independently of the command: Swedish locale formats as YYYY-MM-DD
  const yesterday = () => {
    const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Copenhagen' });
    return new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  };
  const before = yesterday();
  // 11:00 UTC is 12:00 or 13:00 in Copenhagen: the same calendar day either way
  await seed(dir, [incident('PV-YESTERDAY-000001', `${before}T11:00:00.000Z`)]);
  const io = fakeIO(dir);
  assert.equal(await main(['digest', '--data', dir], io), 0, io.err());
  const day = io.out().includes(`digest for ${before} `) ? before : yesterday(); // the run may cross midnight
  assert.match(io.out(), new RegExp(`Postvagt daily digest for ${day} `));
  if (day === before) assert.match(io.out(), /ALL INCIDENTS ON [-\d]+:\n {2}PV-YESTERDAY-000001 /);
});

test('an empty day is reported as such, and today is allowed with a note', async (t) => {
  const dir = tmp(t);
  await seed(dir, []);
  const io = fakeIO(dir);
  const today = localDay(new Date());
  assert.equal(await main(['digest', '--date', today, '--data', dir], io), 0, io.err());
  assert.match(io.out(), /Incidents: 0\n/);
  assert.match(io.err(), /is today; the digest covers it up to now/);
});

test('bad usage exits 2 naming the problem and showing the right form; nothing is created', async (t) => {
  const dir = tmp(t);
  await seed(dir, []);
  const future = addDays(localDay(new Date()), 2);
  const cases: [string[], RegExp][] = [
    [['--date', '28-11-2026'], /--date must be a calendar date YYYY-MM-DD, for example --date \d{4}-\d\d-\d\d \(yesterday\); got '28-11-2026'/],
    [['--date', '2026-02-30'], /--date must be a calendar date YYYY-MM-DD/],
    [['--date', 'yesterday'], /got 'yesterday'/],
    [['--date', future], /is in the future \(today is [-\d]+, Danish time\); for example --date/],
    [['--date', '1969-12-31'], /before Postvagt could have recorded anything/],
    [['--date'], /--date needs a value \(see 'postvagt digest --help'\)/],
    [['--format', 'pdf'], /--format must be text or eml \(got 'pdf'\)/],
    [['--send', '--format', 'eml'], /--format is for printing; with --send the digest is mailed/],
    [['--bogus'], /unknown option '--bogus' \(see 'postvagt digest --help'\)/],
    [['extra'], /unexpected argument 'extra' \(see 'postvagt digest --help'\)/],
  ];
  for (const [argv, why] of cases) {
    const io = fakeIO(dir);
    assert.equal(await main(['digest', '--data', dir, ...argv], io), 2, argv.join(' '));
    assert.match(io.err(), why, argv.join(' '));
    assert.equal(io.out(), '', argv.join(' '));
  }
  const missing = join(dir, 'nope');
  const io = fakeIO(dir);
  assert.equal(await main(['digest', '--data', missing], io), 2);
  assert.match(io.err(), /no Postvagt data folder at .*nope; give --data DIR or --config FILE \[PV_INPUT_UNREADABLE\]/);
  assert.equal(existsSync(missing), false, 'a missing data folder is not created');
  const cfgDir = join(dir, 'cfg');
  const config = join(dir, 'empty.yaml');
  writeFileSync(config, `data_dir: ${cfgDir}\n`);
  const io2 = fakeIO(dir);
  assert.equal(await main(['digest', '--config', config], io2), 2);
  assert.match(io2.err(), /no Postvagt database at .*cfg\/postvagt\.sqlite/);
  assert.ok(!existsSync(cfgDir) || !readdirSync(cfgDir).includes('postvagt.sqlite'), 'no empty database was made');
});

test('a CPR number given as the date is not echoed back', async (t) => {
  const dir = tmp(t);
  await seed(dir, []);
  const io = fakeIO(dir);
  assert.equal(await main(['digest', '--date', '251284-1237', '--data', dir], io), 2);
  assert.match(io.err(), /got 'XXXXXX-XXXX'/);
  assertNoRawCpr(io.err(), 'the error');
});

test('--help teaches: usage, the Danish day, where --send goes, examples, exit codes', async () => {
  const io = fakeIO(process.cwd());
  assert.equal(await main(['digest', '--help'], io), 0);
  for (const part of ['Usage:', '--date YYYY-MM-DD', 'Europe/Copenhagen', 'notify.central_mailbox', '--format text|eml', 'Examples:', 'Exit codes:', 'cron']) {
    assert.ok(io.out().includes(part), part);
  }
});

test('Danish days as UTC intervals: winter, summer, and the 23 h and 25 h days of the clock change', () => {
  const cases: [string, string, string][] = [
    ['2026-11-20', '2026-11-19T23:00:00.000Z', '2026-11-20T23:00:00.000Z'],
    ['2026-07-01', '2026-06-30T22:00:00.000Z', '2026-07-01T22:00:00.000Z'],
    ['2026-03-29', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'], // summer time starts: 23 h
    ['2026-10-25', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z'], // summer time ends: 25 h
    ['2024-02-29', '2024-02-28T23:00:00.000Z', '2024-02-29T23:00:00.000Z'],
    ['2026-12-31', '2026-12-30T23:00:00.000Z', '2026-12-31T23:00:00.000Z'],
  ];
  for (const [day, since, until] of cases) assert.deepEqual(dayBounds(day), { since, until }, day);
  const local: [string, string][] = [
    ['2026-11-29T22:59:59.000Z', '2026-11-29'],
    ['2026-11-29T23:00:00.000Z', '2026-11-30'],
    ['2026-06-30T22:30:00.000Z', '2026-07-01'],
    ['2026-12-31T23:30:00.000Z', '2027-01-01'],
  ];
  for (const [instant, day] of local) assert.equal(localDay(new Date(instant)), day, instant);
  assert.equal(addDays('2026-03-01', -1), '2026-02-28');
  assert.equal(parseDay('2026-11-28', '2026-11-29'), '2026-11-28');
  assert.throws(() => parseDay('2026-11-30', '2026-11-29'), { code: 'PV_USAGE', message: /in the future/ });
});

test('assertNoRawCpr catches the raw number in each written form, and passes masked text', () => {
  for (const leak of [`Sag ${RAW}`, 'Sag 251284-1237', 'Sag 251284 1237']) assert.throws(() => assertNoRawCpr(leak, 'x'), assert.AssertionError, leak.slice(0, 6));
  assertNoRawCpr('Sag XXXXXX-XXXX, 2512841', 'masked');
});

test('web.public_url in the configuration: the printed digest links to the list and each incident; without it, none', async (t) => {
  const dir = tmp(t);
  await seed(dir, seeded);
  const config = join(dir, 'postvagt.yaml');
  writeFileSync(config, `data_dir: ${dir}\nweb:\n  public_url: https://postvagt.kommune.dk/\n`);
  const io = fakeIO(dir);
  assert.equal(await main(['digest', '--date', DAY, '--config', config], io), 0, io.err());
  assert.match(io.out(), /\n\nDashboard: https:\/\/postvagt\.kommune\.dk\/incidents\n/);
  for (const id of ['PV-20261120-EARLY1', 'PV-20261120-SYSTEM', 'PV-20261110-OPEN01']) assert.ok(io.out().includes(`    https://postvagt.kommune.dk/incidents/${id}\n`), id);
  const plain = fakeIO(dir);
  assert.equal(await main(['digest', '--date', DAY, '--data', dir], plain), 0, plain.err());
  assert.doesNotMatch(plain.out(), /Dashboard:|https?:\/\//);
});
