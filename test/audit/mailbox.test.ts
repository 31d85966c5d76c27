// The mailbox scanner on generated exports: thousands of messages built by nodemailer, mbox
// quoting and CRLF, a 4 GiB message whose body is never read, unreadable entries, stream reads.
// I/O: writes and reads a temporary folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer';
import { MboxSplitter } from '../../src/audit/mailbox/sources.ts';
import {
  newSummary, readHeaderBlockFile, readHeaderBlockStream, scanMailbox, tally, type MessageResult,
} from '../../src/audit/mailbox.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pv-mailbox-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function compose(i: number): Promise<Buffer> {
  const withCpr = i % 10 === 0;
  const mail = new MailComposer({
    from: `"Sagsbehandler ${i} Ærø" <s${i}@kommune.example>`,
    to: withCpr ? `"Borger ${i} (140432-2464)" <b@example.dk>` : 'b@example.dk',
    subject: withCpr && i % 20 === 0 ? `Åse Ødegård sag 2512841234 nr ${i}` : `Sag 2024-${String(i).padStart(6, '0')} vedr. ansøgning`,
    text: `Brødtekst med 0101010101 ${'x'.repeat(2000)}`,
    attachments: [{ filename: 'bilag.txt', content: 'CPR 1404322464 i et bilag tæller ikke' }],
  });
  return new Promise((resolve, reject) => mail.compile().build((err, m) => (err ? reject(err) : resolve(m))));
}

// 20 distinct messages, reused: composing thousands would only load the shared machine
let templates: Buffer[] = [];
async function message(i: number): Promise<Buffer> {
  if (templates.length === 0) templates = await Promise.all(Array.from({ length: 20 }, (_, k) => compose(k + 1)));
  return templates[(i - 1) % 20];
}

async function collect(path: string): Promise<{ results: MessageResult[]; summary: ReturnType<typeof newSummary> }> {
  const summary = newSummary();
  const results: MessageResult[] = [];
  for await (const r of scanMailbox(path)) {
    tally(summary, r);
    if (r.findings.length > 0 || r.error) results.push(r);
  }
  return { results, summary };
}

test('3,000 nodemailer messages in an mbox: every finding, none from bodies or attachments', async () => {
  const path = join(dir, 'big.mbox');
  const parts: string[] = [];
  for (let i = 1; i <= 3000; i++) {
    const msg = (await message(i)).toString('latin1').replace(/^From /gm, '>From ');
    parts.push(`From s${i}@kommune.example Tue Mar 12 10:00:00 2024\n${msg.replace(/\r\n/g, '\n')}\n\n`);
  }
  await writeFile(path, parts.join(''), 'latin1');
  const { results, summary } = await collect(path);
  assert.equal(summary.messages, 3000);
  assert.equal(summary.withFindings, 300);
  assert.deepEqual(Object.fromEntries(summary.byHeader), { To: 300, Subject: 150 });
  assert.equal(results[0].file, `${path}#10`);
  assert.equal(results[1].file, `${path}#20`);
  assert.ok(results.every((r) => r.findings.every((f) => f.digits === '1404322464' || f.digits === '2512841234')));
});

test('Maildir with 1,000 messages in cur/ and new/, a dangling link reported, the rest scanned', async () => {
  const md = join(dir, 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(md, sub), { recursive: true });
  for (let i = 1; i <= 1000; i++) await writeFile(join(md, i % 2 ? 'cur' : 'new', `${1700000000 + i}.M${i}.host:2,S`), await message(i));
  await writeFile(join(md, 'tmp', 'unfinished'), 'Subject: 1404322464\r\n\r\n');
  await symlink(join(md, 'gone'), join(md, 'cur', 'dangling'));
  const { results, summary } = await collect(md);
  assert.equal(summary.messages, 1000);
  assert.equal(summary.withFindings, 100);
  assert.equal(summary.errors, 1);
  const bad = results.find((r) => r.error)!;
  assert.match(bad.file, /cur\/dangling$/);
  assert.equal(bad.error!.code, 'PV_INPUT_UNREADABLE');
});

test('a 4 GiB .eml: only the header block is read (the body is never loaded)', async () => {
  const path = join(dir, 'huge', 'huge.eml');
  await mkdir(join(dir, 'huge'));
  await writeFile(path, 'Subject: Bilag til 140432-2464\r\nTo: a@b.dk\r\n\r\n');
  await truncate(path, 4 * 1024 ** 3); // sparse: reading it whole would fail (larger than any Buffer)
  const block = await readHeaderBlockFile(path);
  assert.equal(block.bytes.toString(), 'Subject: Bilag til 140432-2464\r\nTo: a@b.dk\r\n');
  const { summary } = await collect(join(dir, 'huge'));
  assert.equal(summary.withFindings, 1);
});

test('header block without an empty line within 2 MiB is cut there and flagged', async () => {
  const path = join(dir, 'endless.eml');
  await writeFile(path, `Subject: 140432-2464\r\nX-Fill: ${'a'.repeat(3 * 1024 * 1024)}`);
  const block = await readHeaderBlockFile(path);
  assert.equal(block.truncated, true);
  assert.equal(block.bytes.length, 2 * 1024 * 1024);
});

test('stream read: an empty line split across chunks ends the block; the body stays unread', async () => {
  const input = new PassThrough();
  const pending = readHeaderBlockStream(input);
  input.write('Subject: 140432-2464\r');
  input.write('\n\r');
  input.write('\nbody 2512841234');
  const block = await pending;
  assert.equal(block.bytes.toString(), 'Subject: 140432-2464\r\n');
});

test('mbox: a first line that is no From_ line is named with its line number', async () => {
  const path = join(dir, 'notmbox.txt');
  await writeFile(path, '\n\nSubject: 1404322464\n');
  await assert.rejects(collect(path), (err: { code: string; line: number; message: string }) =>
    err.code === 'PV_INPUT_FORMAT' && err.line === 3 && /not an mbox file/.test(err.message));
});

test('mbox with CRLF lines, leading empty lines and a From_ line inside a body', async () => {
  const path = join(dir, 'crlf.mbox');
  await writeFile(path, '\r\n\r\nFrom a Tue\r\nSubject: 140432-2464\r\n\r\nbody\r\n>From quoted\r\nFrom b Tue\r\nSubject: ingen\r\n\r\n');
  const { summary, results } = await collect(path);
  assert.equal(summary.messages, 2);
  assert.deepEqual(results.map((r) => r.file), [`${path}#1`]);
});

test('a folder with no mailbox inside reads zero messages; a missing path is a PvError', async () => {
  await mkdir(join(dir, 'empty'));
  assert.equal((await collect(join(dir, 'empty'))).summary.messages, 0);
  await assert.rejects(collect(join(dir, 'missing')), { code: 'PV_INPUT_UNREADABLE' });
});

test('mbox splitter: the same blocks whether fed whole or one character at a time', () => {
  const mbox = '\nFrom a x\r\nSubject: 1\r\n fold\r\n\r\nbody\nFrom_ no\n>From q\n\nFrom b y\nSubject: 2\n\nFrom c z\nX: 3\n';
  const whole = new MboxSplitter('m');
  const all = [...whole.push(mbox), ...whole.end()].map((b) => b.text);
  assert.deepEqual(all, ['Subject: 1\r\n fold\r\n', 'Subject: 2\n', 'X: 3\n']);
  const bytewise = new MboxSplitter('m');
  const pieces: string[] = [];
  for (const ch of mbox) pieces.push(...bytewise.push(ch).map((b) => b.text));
  pieces.push(...bytewise.end().map((b) => b.text));
  assert.deepEqual(pieces, all);
});
