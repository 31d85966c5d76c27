// A second, JavaScript MIME parser (mailsplit, the splitter behind ZoneMTA) must see the same tree in
// every notice: multipart/report → text/plain, message/delivery-status, text/rfc822-headers. No I/O.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Transform } from 'node:stream';
import { buildNotice } from '../../src/notify/dsn.ts';
import { parseHeaderBlock } from '../../src/detect/index.ts';
import type { Incident } from '../../src/store/types.ts';
import { incident } from './fixtures.ts';

// mailsplit ships no type declarations; a local require keeps its untyped surface in this one file.
const { Splitter } = createRequire(import.meta.url)('mailsplit') as { Splitter: new () => Transform };

interface SplitNode { type: string; contentType?: string; multipart?: string | false; root?: boolean }

async function tree(raw: Buffer): Promise<string[]> {
  const splitter = new Splitter();
  const nodes: string[] = [];
  splitter.on('data', (d: SplitNode) => {
    if (d.type === 'node') nodes.push(`${d.root ? '' : '  '}${d.contentType}${d.multipart ? ` (${d.multipart})` : ''}`);
  });
  const done = new Promise<void>((resolve, reject) => { splitter.on('end', resolve); splitter.on('error', reject); });
  splitter.end(raw);
  await done;
  return nodes;
}

const HEADERS = parseHeaderBlock(Buffer.from('From: a@b.dk\r\nSubject: Sag 0101901234\r\nContent-Type: multipart/mixed; boundary="orig"\r\n\r\n'));

for (const action of ['reject', 'quarantine', 'redact', 'tag', 'tempfail'] as Incident['action'][]) {
  test(`${action}: mailsplit sees multipart/report with the three parts, in order`, async () => {
    const d = buildNotice({
      incident: incident({ action }),
      originalHeaders: HEADERS,
      postmaster: 'postmaster@kommune.dk',
      contact: 'IT-support',
      reportingMta: 'postvagt.kommune.dk',
      arrivalDate: new Date('2026-11-29T09:14:00Z'),
      now: new Date('2026-11-29T09:14:01Z'),
    });
    assert.deepEqual(await tree(d.raw), ['multipart/report (report)', '  text/plain', '  message/delivery-status', '  text/rfc822-headers']);
  });
}
