// Cross-check of the RFC 4180 reader against another implementation: Python's csv module writes
// a tracking log (as Exchange does: minimal quoting, CRLF) with generated hostile subjects —
// quotes, commas, line breaks, non-ASCII — and our reader must give back every subject.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { auditExchangeText } from '../../../src/audit/exchange/text.ts';
import { DEFAULT_FIELDS } from '../../../src/audit/exchange/parser.ts';
import { maskText } from '../../../src/detect/index.ts';

const PY = `
import csv, io, json, sys
subjects = json.load(sys.stdin)
fields = sys.argv[1].split(',')
out = io.StringIO(newline='')
out.write('#Software: Microsoft Exchange Server\\r\\n#Fields: ' + ','.join(fields) + '\\r\\n')
w = csv.writer(out, lineterminator='\\r\\n')
for i, s in enumerate(subjects):
    row = {f: '' for f in fields}
    row.update({'date-time': '2026-11-02T08:00:%02d.000Z' % (i % 60), 'event-id': 'RECEIVE', 'source': 'SMTP',
                'message-id': '<p%d@x>' % i, 'recipient-address': 'a@x.dk', 'message-subject': s, 'return-path': 'b@x.dk'})
    w.writerow([row[f] for f in fields])
sys.stdout.write(out.getvalue())
`;

test('subjects written by Python csv (minimal quoting, CRLF) are read back exactly', () => {
  const tricky = fc.stringMatching(/^[a-zæøå0-9 ,";'\n\r#=?-]{0,40}$/);
  const subjects = fc.sample(fc.oneof(tricky, fc.string({ unit: 'grapheme', maxLength: 30 })), { numRuns: 300, seed: 4180 })
    .map((s) => s.replace(/^#/, 'x#').replace(/\r(?!\n)/g, '\n')); // a leading # would start a header line
  subjects.push('Kopi af "brev", CPR 0101901234\r\nside 2', '"', ',', '""', '');
  const log = execFileSync('/usr/bin/python3', ['-c', PY, DEFAULT_FIELDS.join(',')], { input: JSON.stringify(subjects), encoding: 'utf8' });
  const r = auditExchangeText(log);
  assert.deepEqual(r.warnings, []);
  const got = new Map(r.rows.map((m) => [m.message_id, m.subject ?? '']));
  subjects.forEach((s, i) => {
    const want = maskText(s.trim().replace(/\s*[\r\n]+\s*/g, ' ')); // fields are trimmed, breaks become spaces
    assert.equal(got.get(`<p${i}@x>`), want, JSON.stringify(s));
  });
});
