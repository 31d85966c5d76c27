// `postvagt scan text|message|mailbox` run in process through main() with recording streams:
// the JSON shapes of DESIGN's contract, --reveal, exit codes, formats, summary and progress.
// I/O: reads fixtures/mail; in-memory stdin/stdout/stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli.ts';
import type { CliIO } from '../../src/cli/io.ts';

class Capture extends Writable {
  text = '';
  isTTY?: boolean;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString('utf8');
    cb();
  }
}

async function run(argv: string[], stdin = '', ttyStderr = false): Promise<{ code: number; stdout: string; stderr: string }> {
  const input = new PassThrough();
  input.end(stdin);
  const stdout = new Capture();
  const stderr = new Capture();
  if (ttyStderr) stderr.isTTY = true;
  const io: CliIO = { stdin: input, stdout, stderr, env: {}, cwd: process.cwd() };
  const code = await main(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const lines = (s: string): unknown[] => s.split('\n').filter(Boolean).map((l) => JSON.parse(l));
const M = 'fixtures/mail';

test('scan text: one JSON line per input line, DESIGN shape, no digits without --reveal', async () => {
  const r = await run(['scan', 'text'], 'Sag 140432-2464 og CPR2512841234\nintet\r\n(7404322464)\n');
  assert.equal(r.code, 0);
  assert.deepEqual(lines(r.stdout), [
    { line: 1, findings: [
      { start: 4, end: 15, masked: 'XXXXXX-XXXX', kind: 'cpr', mod11: false },
      { start: 22, end: 32, masked: 'XXXXXX-XXXX', kind: 'cpr', mod11: false },
    ] },
    { line: 2, findings: [] },
    { line: 3, findings: [{ start: 1, end: 11, masked: 'XXXXXX-XXXX', kind: 'replacement', mod11: true }] },
  ]);
  for (const digits of ['140432', '2464', '2512841234', '7404322464']) assert.ok(!r.stdout.includes(digits));
});

test('scan text --reveal adds "cpr" as the last key; --fail-on-find exits 1', async () => {
  const r = await run(['scan', 'text', '--reveal', '--fail-on-find'], '2110625629\n');
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '{"line":1,"findings":[{"start":0,"end":10,"masked":"XXXXXX-XXXX","kind":"cpr","mod11":true,"cpr":"2110625629"}]}\n');
  assert.equal((await run(['scan', 'text', '--fail-on-find'], 'ingen\n')).code, 0);
});

test('scan message: header findings from files and stdin, exactly the DESIGN shape', async () => {
  const r = await run(['scan', 'message', '--reveal', `${M}/eml/01-encoded-subject.eml`, `${M}/eml/sub/03-clean.eml`]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, [
    `{"file":"${M}/eml/01-encoded-subject.eml","findings":[{"header":"Subject","start":14,"end":25,"masked":"XXXXXX-XXXX","kind":"cpr","mod11":false,"cpr":"1404322464"}]}`,
    `{"file":"${M}/eml/sub/03-clean.eml","findings":[]}`,
    '',
  ].join('\n'));
  const s = await run(['scan', 'message'], 'Subject: =?iso-8859-1?Q?S=F8ren_251284-1234?=\r\n\r\n1404322464\r\n');
  assert.deepEqual(lines(s.stdout), [{ file: '-', findings: [{ header: 'Subject', start: 6, end: 17, masked: 'XXXXXX-XXXX', kind: 'cpr', mod11: false }] }]);
});

test('scan message --headers replaces the scanned list', async () => {
  const r = await run(['scan', 'message', '--headers', 'Message-ID', `${M}/eml/01-encoded-subject.eml`]);
  assert.deepEqual((lines(r.stdout)[0] as { findings: { header: string }[] }).findings.map((f) => f.header), ['Message-ID']);
});

test('scan message: an unreadable file and binary junk are named, the rest is scanned, exit 2', async () => {
  const r = await run(['scan', 'message', `${M}/no-such.eml`, `${M}/junk.bin`, `${M}/eml/02-display-name.eml`]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no-such\.eml: cannot read: ENOENT \[PV_INPUT_UNREADABLE\]/);
  assert.match(r.stderr, /junk\.bin: binary data, not a mail message \[PV_INPUT_FORMAT\]/);
  assert.equal(lines(r.stdout).length, 1, 'the good file was still scanned');
});

test('scan mailbox: mbox, Maildir and .eml folder, json lines only for messages with findings', async () => {
  const mbox = await run(['scan', 'mailbox', `${M}/export.mbox`]);
  assert.equal(mbox.code, 0);
  assert.deepEqual(lines(mbox.stdout).map((l) => (l as { file: string }).file), [`${M}/export.mbox#1`, `${M}/export.mbox#3`]);
  assert.equal(mbox.stderr, `${M}/export.mbox (mbox): 3 messages read; 2 with CPR numbers in clear headers (by header: Subject 1, To 1)\n`);
  const md = await run(['scan', 'mailbox', `${M}/maildir`, '--format', 'text']);
  // Maildir names start with a Unix timestamp; 1710237600 has the shape of a CPR number (17 Oct
  // 2023), so without --reveal it is masked like any other number (locate it by the rest of the name)
  // each message's findings, then which mail it is (sender -> recipients, subject), numbers masked
  assert.equal(md.stdout, [
    `${M}/maildir/cur/XXXXXX-XXXX.M1P1.host:2,S: Subject: XXXXXX-XXXX (cpr)`,
    '    a@kommune.example -> b@example.dk  "Sag (XXXXXX-XXXX)"',
    `${M}/maildir/.Sent/cur/XXXXXX-XXXX.M4P1.host:2,S: Subject: XXXXXX-XXXX (cpr)`,
    '    a@kommune.example -> b@example.dk  "Sendt: XXXXXX-XXXX"', ''].join('\n'));
  const eml = await run(['scan', 'mailbox', `${M}/eml`, '--format', 'csv', '--reveal']);
  assert.equal(eml.stdout, [
    'file,header,start,end,masked,kind,mod11,cpr,date,from,to,subject',
    `${M}/eml/01-encoded-subject.eml,Subject,14,25,XXXXXX-XXXX,cpr,false,1404322464,"Tue, 12 Mar 2024 10:00:00 +0100",Søren Sagsbehandler <soren@kommune.example>,borger@example.dk,Sag vedr. Åse 140432-2464`,
    `${M}/eml/02-display-name.eml,To,20,30,XXXXXX-XXXX,cpr,false,2512841234,,sagsbehandler@kommune.example,"""Borger Østergaard (2512841234)"" <borger@example.dk>","Ingen CPR her, sag 2024-012345, tlf +45 12345678"`,
    `${M}/eml/02-display-name.eml,X-Sag,3,13,XXXXXX-XXXX,cpr,false,2812219561,,sagsbehandler@kommune.example,"""Borger Østergaard (2512841234)"" <borger@example.dk>","Ingen CPR her, sag 2024-012345, tlf +45 12345678"`, ''].join('\r\n'));
  const maskedCsv = await run(['scan', 'mailbox', `${M}/eml`, '--format', 'csv']);
  assert.match(maskedCsv.stdout, /,borger@example\.dk,Sag vedr\. Åse XXXXXX-XXXX\r\n/, 'without --reveal the subject column is masked');
  assert.ok(!/1404322464|140432-2464|2512841234/.test(maskedCsv.stdout));
  assert.match(eml.stderr, /3 messages read; 2 with CPR numbers in clear headers \(by header: Subject 1, To 1, X-Sag 1\)/);
});

test('scan mailbox: a file that is no mailbox is named with the line, exit 2; --fail-on-find exits 1', async () => {
  const r = await run(['scan', 'mailbox', `${M}/junk.bin`, `${M}/export.mbox`]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /junk\.bin:1: not an mbox file/);
  assert.match(r.stderr, /export\.mbox \(mbox\): 3 messages read/, 'the next path was still scanned');
  const single = await run(['scan', 'mailbox', `${M}/eml/02-display-name.eml`]);
  assert.match(single.stderr, /02-display-name\.eml:1: not an mbox file.*use 'postvagt scan message'/);
  assert.equal((await run(['scan', 'mailbox', '--fail-on-find', `${M}/maildir`])).code, 1);
  assert.equal((await run(['scan', 'mailbox', '--fail-on-find', `${M}/eml/sub`])).code, 0);
});

test('scan mailbox: progress line only when stderr is a terminal', async () => {
  const tty = await run(['scan', 'mailbox', `${M}/export.mbox`], '', true);
  assert.match(tty.stderr, /\r\x1b\[K/);
  const pipe = await run(['scan', 'mailbox', `${M}/export.mbox`]);
  assert.ok(!pipe.stderr.includes('\r'));
});

test('usage errors exit 2 with a message; --help teaches with examples', async () => {
  const cases: [string[], RegExp][] = [
    [['scan', 'text', '--bogus'], /^postvagt scan: unknown option '--bogus' \(see 'postvagt scan text --help'\)/],
    [['scan', 'text', 'file.txt'], /takes no file names/],
    [['scan', 'mailbox'], /needs a PATH/],
    [['scan', 'message', '--format', 'csv'], /not available/],
    [['scan', 'mailbox', 'x', '--format', 'xml'], /not available/],
    [['scan', 'frobnicate'], /unknown subcommand/],
  ];
  for (const [argv, re] of cases) {
    const r = await run(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.stderr, re, argv.join(' '));
  }
  for (const sub of ['text', 'message', 'mailbox']) {
    const h = await run(['scan', sub, '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /Examples:/);
  }
});

test('a failing standard output (disk full) ends the run with a message and exit 1', async () => {
  const input = new PassThrough();
  input.end('1404322464\n'.repeat(50));
  const stdout = new Writable({ write: (_c, _e, cb) => cb(Object.assign(new Error('no space'), { code: 'ENOSPC' })) });
  const stderr = new Capture();
  const code = await main(['scan', 'text'], { stdin: input, stdout, stderr, env: {}, cwd: process.cwd() });
  assert.equal(code, 1);
  assert.match(stderr.text, /cannot write the output: ENOSPC/);
});

test('a CPR number in a file name is masked in output and messages unless --reveal', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pv-scan-'));
  try {
    await writeFile(join(dir, 'Sag 140432-2464.eml'), 'Subject: CPR 2512841234\r\n\r\n');
    const masked = await run(['scan', 'mailbox', dir, '--format', 'text']);
    assert.equal(masked.stdout, `${dir}/Sag XXXXXX-XXXX.eml: Subject: XXXXXX-XXXX (cpr)\n    "CPR XXXXXX-XXXX"\n`);
    const missing = await run(['scan', 'message', join(dir, 'Scan_1506164736.eml')]);
    assert.match(missing.stderr, /Scan_XXXXXX-XXXX\.eml: cannot read/);
    assert.ok(!/1404322464|140432-2464|1506164736/.test(masked.stdout + masked.stderr + missing.stderr));
    const revealed = await run(['scan', 'mailbox', dir, '--format', 'text', '--reveal']);
    assert.equal(revealed.stdout, `${dir}/Sag 140432-2464.eml: Subject: 2512841234 (cpr)\n    "CPR 2512841234"\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
