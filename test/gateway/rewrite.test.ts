// rewriteFields (the redact action's header rewrite): the right field changes, every other byte stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHeaderBlock } from '../../src/detect/index.ts';
import { rewriteFields } from '../../src/gateway/rewrite.ts';

const CPR = '2512841234';

function redact(block: string, which: (name: string) => boolean): string {
  const header = Buffer.from(block, 'latin1');
  const fields = parseHeaderBlock(header);
  const idx = new Set(fields.flatMap((f, i) => (which(f.name) ? [i] : [])));
  return rewriteFields(header, fields, idx, (f) => `${f.name}: ${f.decoded.replace(CPR, 'XXXXXX-XXXX')}`).toString('latin1');
}

const cases: [string, string, (n: string) => boolean, string][] = [
  ['plain subject', `From: a@b\r\nSubject: Sag ${CPR}\r\nX-A: 1\r\n`, (n) => n === 'Subject', 'From: a@b\r\nSubject: Sag XXXXXX-XXXX\r\nX-A: 1\r\n'],
  [
    'the same bytes inside an earlier field are not the field (attack: References carrying "Subject: …")',
    `References: <a@b> Subject: Sag ${CPR}\r\nSubject: Sag ${CPR}\r\n`,
    (n) => n === 'Subject',
    `References: <a@b> Subject: Sag ${CPR}\r\nSubject: Sag XXXXXX-XXXX\r\n`,
  ],
  [
    'two identical fields, only the second selected',
    `X-Sag: ${CPR}\r\nX-Sag: ${CPR}\r\n`,
    (() => { let n = 0; return () => n++ === 1; })(),
    `X-Sag: ${CPR}\r\nX-Sag: XXXXXX-XXXX\r\n`,
  ],
  ['folded subject', `Subject: Sag\r\n ${CPR}\r\nTo: c@d\r\n`, (n) => n === 'Subject', 'Subject: Sag XXXXXX-XXXX\r\nTo: c@d\r\n'],
  ['nothing selected: byte-identical', `Subject: x\r\nTo: y\r\n`, () => false, 'Subject: x\r\nTo: y\r\n'],
];

for (const [name, block, which, expected] of cases) {
  test(`rewriteFields: ${name}`, () => {
    assert.equal(redact(block, which), expected);
  });
}

test('rewriteFields: a selected field that is not in the block throws (fail closed), never relays it unchanged', () => {
  const header = Buffer.from(`Subject: Sag ${CPR}\r\n`, 'latin1');
  const fields = parseHeaderBlock(header);
  const ghost = [...fields, { name: 'X-Ghost', raw: 'X-Ghost: 1', unfolded: '1', decoded: '1' }];
  assert.throws(() => rewriteFields(header, ghost, new Set([1]), () => 'X-Ghost: masked'), /not found/);
});
