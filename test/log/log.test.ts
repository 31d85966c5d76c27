// The logger's redaction safety net: a raw CPR handed to the logger — in the message, a field,
// a nested array, a child binding or an error — comes out masked. Event codes stay intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, LOG_EVENTS } from '../../src/log.ts';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join(''), lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l)) };
}

const RAW_FORMS = ['2512841237', '251284-1237', 'CPR2512841234', '251284\u20131237'];

test('a raw CPR in message, fields, nested values and keys is masked before it is written', () => {
  const out = capture();
  const log = createLogger({ destination: out.stream });
  log.warn(
    { event: 'verdict.reject', subject: 'Sag 251284-1237 om bolig', recipients: ['x', { note: 'CPR2512841234' }], ['key 2512841237']: 1 },
    'rejected mail with 251284\u20131237 in Subject',
  );
  const text = out.text();
  for (const raw of RAW_FORMS) assert.ok(!text.includes(raw), `${raw} leaked: ${text}`);
  const [line] = out.lines();
  assert.equal(line.event, 'verdict.reject');
  assert.equal(line.level, 'warn');
  assert.equal(line.subject, 'Sag XXXXXX-XXXX om bolig');
  assert.match(String(line.msg), /^rejected mail with XXXXXX-XXXX in Subject$/);
  assert.deepEqual(line.recipients, ['x', { note: 'CPRXXXXXX-XXXX' }]);
});

test('errors and child bindings are masked too, keeping type and code', () => {
  const out = capture();
  const log = createLogger({ destination: out.stream }).child({ subject: 'Re: 2512841237' });
  const err = Object.assign(new Error('upstream said: 550 bad subject 251284-1237'), { code: 'EENVELOPE' });
  log.error(err, 'upstream failed');
  log.error({ event: 'upstream.fail', err }, 'again');
  const text = out.text();
  for (const raw of RAW_FORMS) assert.ok(!text.includes(raw), `${raw} leaked: ${text}`);
  const [first, second] = out.lines();
  assert.equal(first.subject, 'Re: XXXXXX-XXXX');
  assert.deepEqual({ ...(first.err as object), stack: undefined }, { type: 'Error', message: 'upstream said: 550 bad subject XXXXXX-XXXX', code: 'EENVELOPE', stack: undefined });
  assert.equal(second.event, 'upstream.fail');
  assert.match(String((second.err as { stack: string }).stack), /XXXXXX-XXXX/);
});

test('look-alikes that are not CPR numbers are left alone (phone numbers, timestamps)', () => {
  const out = capture();
  createLogger({ destination: out.stream }).info({ phone: '+45 33 12 34 56', bytes: 1764403200 }, 'queue id 4dVQ3x1Z2bz9');
  const [line] = out.lines();
  assert.equal(line.phone, '+45 33 12 34 56');
  assert.equal(line.bytes, 1764403200);
  assert.equal(line.msg, 'queue id 4dVQ3x1Z2bz9');
});

test('dates and URLs keep their JSON form (masked like any string)', () => {
  const out = capture();
  createLogger({ destination: out.stream }).info({ arrival: new Date('2026-11-29T08:00:00Z'), link: new URL('http://x.example/sag/2512841237') }, 'x');
  const [line] = out.lines();
  assert.equal(line.arrival, '2026-11-29T08:00:00.000Z');
  assert.equal(line.link, 'http://x.example/sag/XXXXXX-XXXX');
});

test('buffers are logged as their size, never their content', () => {
  const out = capture();
  createLogger({ destination: out.stream }).info({ raw: Buffer.from('Subject: 2512841237') }, 'x');
  assert.equal(out.lines()[0].raw, '<19 bytes>');
});

test('the event registry names the codes the gateway uses', () => {
  for (const code of ['verdict.reject', 'verdict.pass', 'upstream.fail', 'tempfail', 'notice.escalated']) assert.ok(code in LOG_EVENTS, code);
});

test('every event code used in src/ is registered, and every registered code is documented for operators', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const root = new URL('../../src/', import.meta.url).pathname;
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.ts') ? [join(d, e.name)] : []));
  for (const file of walk(root)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\bevent: '([a-z.-]+)'/g)) assert.ok(m[1] in LOG_EVENTS, `${file}: event '${m[1]}' is not in LOG_EVENTS (src/log.ts)`);
  }
  const doc = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const code of Object.keys(LOG_EVENTS)) assert.ok(doc.includes(`| \`${code}\` |`), `${code} is not documented in README.md`);
});
