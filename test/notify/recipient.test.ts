// noticeRecipient: who gets a notice and who is escalated instead (invariant 6, RFC 5321 §4.5.5,
// RFC 3834 §2), from a table. Pure; the config's default patterns come from the real schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invalidPatterns, noticeRecipient } from '../../src/notify/recipient.ts';
import { noticeRecipient as fromDsn } from '../../src/notify/dsn.ts';
import { configSchema } from '../../src/config/schema.ts';
import type { HeaderField } from '../../src/detect/types.ts';

const patterns = configSchema.parse({}).notify.unreachable_senders;
const postmaster = 'Postvagt <postmaster@kommune.dk>';

const TABLE: [string, 'send' | 'escalate', RegExp | string][] = [
  ['hanne.jensen@kommune.dk', 'send', 'hanne.jensen@kommune.dk'],
  ['<hanne.jensen@kommune.dk>', 'send', 'hanne.jensen@kommune.dk'],
  ['  Hanne+sag@Kommune.DK ', 'send', 'Hanne+sag@Kommune.DK'],
  ['', 'escalate', /null sender/],
  ['<>', 'escalate', /null sender/],
  ['MAILER-DAEMON@mx.kommune.dk', 'escalate', /mailer daemon/],
  ['noreply@borger.dk', 'escalate', /no-reply or system/],
  ['no-reply@skat.dk', 'escalate', /no-reply or system/],
  ['DoNotReply@kommune.dk', 'escalate', /no-reply or system/],
  ['do-not-reply@kommune.dk', 'escalate', /no-reply or system/],
  ['postmaster@kommune.dk', 'escalate', /own postmaster/],
  ['POSTMASTER@KOMMUNE.DK', 'escalate', /own postmaster/],
  ['postmaster@naboby.dk', 'send', 'postmaster@naboby.dk'],
  ['a@b.dk\r\nBcc: victim@x.dk', 'escalate', /cannot safely be written/],
  ['"quoted local"@kommune.dk', 'escalate', /cannot safely be written/],
  ['søren@kommune.dk', 'escalate', /cannot safely be written/],
  ['no-at-sign', 'escalate', /cannot safely be written/],
  ['a@b@c.dk', 'escalate', /cannot safely be written/],
];

for (const [sender, kind, expect] of TABLE) {
  test(`${JSON.stringify(sender)} → ${kind}`, () => {
    const r = noticeRecipient(sender, patterns, { postmaster });
    assert.equal(r.kind, kind, JSON.stringify(r));
    if (r.kind === 'send') assert.equal(r.to, expect);
    else assert.match(r.reason, expect as RegExp);
  });
}

test('re-exported from dsn.ts as the contract names it', () => {
  assert.equal(fromDsn, noticeRecipient);
});

function field(name: string, value: string): HeaderField {
  return { name, raw: `${name}: ${value}`, unfolded: value, decoded: value };
}

const AUTOMATIC: [HeaderField[], 'send' | 'escalate'][] = [
  [[field('Auto-Submitted', 'auto-generated')], 'escalate'],
  [[field('Auto-Submitted', 'auto-replied')], 'escalate'],
  [[field('auto-submitted', 'Auto-Notified; owner-email="x@y"')], 'escalate'],
  [[field('Auto-Submitted', 'no')], 'send'],
  [[field('Precedence', 'bulk')], 'escalate'],
  [[field('Precedence', 'list')], 'escalate'],
  [[field('Precedence', 'normal')], 'send'],
  [[field('List-Id', '<kolleger.kommune.dk>')], 'escalate'],
  [[field('Subject', 'auto-submitted')], 'send'],
];
for (const [fields, kind] of AUTOMATIC) {
  test(`original ${fields[0].name}: ${fields[0].decoded} → ${kind} (RFC 3834)`, () => {
    assert.equal(noticeRecipient('hanne@kommune.dk', patterns, { originalHeaders: fields }).kind, kind);
  });
}

test('the reason never quotes the address (it may itself hold a number)', () => {
  const r = noticeRecipient('noreply-0101901234@kommune.dk', ['^noreply']);
  assert.equal(r.kind, 'escalate');
  assert.ok(r.kind === 'escalate' && !r.reason.includes('0101901234'));
});

test('a broken pattern escalates (safe) and is reported by invalidPatterns for config loading', () => {
  const r = noticeRecipient('hanne@kommune.dk', ['(unclosed']);
  assert.equal(r.kind, 'escalate');
  assert.ok(r.kind === 'escalate' && /not a valid regular expression/.test(r.reason));
  assert.deepEqual(invalidPatterns(['^ok@', '(unclosed', '[']), ['(unclosed', '[']);
});

test('with no patterns and no options, an ordinary address is sent to', () => {
  assert.deepEqual(noticeRecipient('a@b.dk', []), { kind: 'send', to: 'a@b.dk' });
});
