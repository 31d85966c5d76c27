// A built notice crosses a real SMTP hop unchanged: nodemailer's SMTP client (as the notice worker uses)
// sends it with MAIL FROM:<> to an smtp-server on an ephemeral loopback port. I/O: loopback sockets only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { SMTPServer } from 'smtp-server';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { buildNotice } from '../../src/notify/dsn.ts';
import { parseHeaderBlock } from '../../src/detect/index.ts';
import { incident } from './fixtures.ts';

test('a notice sent with a null envelope sender arrives byte-identical (dot-stuffing included)', async () => {
  const draft = buildNotice({
    incident: incident({ action: 'quarantine' }),
    // a header line beginning with "." exercises SMTP dot-stuffing (RFC 5321 §4.5.2) on the way
    originalHeaders: parseHeaderBlock(Buffer.from('Subject: Sag 0101901234\r\n.Dot-Field: kept raw\r\n..: two dots\r\nFrom: a@b.dk\r\n\r\n')),
    postmaster: 'postmaster@kommune.dk',
    contact: 'IT-support',
    reportingMta: 'postvagt.kommune.dk',
    arrivalDate: new Date('2026-11-29T09:14:00Z'),
    now: new Date('2026-11-29T09:14:01Z'),
  });
  const got: { from: string | false; to: string[]; data: Buffer }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        got.push({ from: from ? from.address : false, to: session.envelope.rcptTo.map((r) => r.address), data: Buffer.concat(chunks) });
        done();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const port = (server.server.address() as { port: number }).port;
  try {
    const conn = new SMTPConnection({ host: '127.0.0.1', port, ignoreTLS: true, name: 'postvagt.test' });
    await new Promise<void>((resolve, reject) => { conn.once('error', reject); conn.connect(() => resolve()); });
    const info = await new Promise<{ accepted: unknown[] }>((resolve, reject) =>
      conn.send({ from: draft.envelopeFrom, to: [draft.to] }, draft.raw, (err, i) => (err ? reject(err) : resolve(i as { accepted: unknown[] }))),
    );
    conn.quit();
    assert.deepEqual(info.accepted, ['hanne.jensen@kommune.dk']);
    assert.equal(got.length, 1);
    assert.equal(got[0].from, '', 'MAIL FROM:<>');
    assert.deepEqual(got[0].to, ['hanne.jensen@kommune.dk']);
    assert.equal(got[0].data.toString('latin1'), draft.raw.toString('latin1'));
    assert.ok(got[0].data.includes('\r\n.Dot-Field: kept raw\r\n..: two dots\r\n'), 'lines starting with dots were really there');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
