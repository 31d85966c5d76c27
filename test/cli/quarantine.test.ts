// `postvagt quarantine list|release|delete` in process, against a real SQLite store seeded as the
// gateway quarantines, and a real SMTP server (smtp-server on an ephemeral loopback port) as upstream.
// I/O: temp folders, the SQLite file, loopback SMTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli.ts';
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/store/open.ts';
import type { Incident, Store } from '../../src/store/types.ts';
import { decision, incident, RAW } from '../store/helpers.ts';
import { fakeIO, tmp } from '../support/cli-io.ts';
import { recordingSmtp } from '../support/recording-smtp.ts';

const ID = 'PV-20261129-QUAR01';
/** CRLF mail as the gateway received it: the number in the Subject, a dot-leading line, 8-bit UTF-8 */
const MAIL = Buffer.from(
  `From: sagsbehandler@kommune.dk\r\nTo: borger@example.dk\r\nSubject: Sag ${RAW}\r\nMIME-Version: 1.0\r\n` +
    `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nMødeindkaldelse\r\n.punktum først\r\n`,
  'utf8',
);

function held(id: string, over: Partial<Incident> = {}): Incident {
  return incident(id, '2026-11-29T08:00:00.000Z', { action: 'quarantine', notice: 'queued', reply: `250 2.0.0 Tilbageholdt. Sag ${id}`, ...over });
}

async function withStore<T>(dir: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const store = await openStore(await loadConfig({ env: {}, cwd: dir, overrides: { data: dir } }));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** a data folder holding `items` (quarantined with MAIL unless the action says otherwise) and a config routing to `url` */
async function setup(t: { after: (fn: () => void) => void }, url: string, items: { i: Incident; mail?: Buffer }[]): Promise<{ dir: string; config: string }> {
  const dir = tmp(t, 'pv-quarantine-');
  await withStore(dir, async (s) => {
    for (const { i, mail } of items) {
      const d = decision(`tx-${i.id}`, i.time, { action: i.action, incidentId: i.id, sender: i.sender, recipients: i.recipients });
      if (i.action === 'quarantine') await s.quarantine(i, d, mail ?? MAIL);
      else await s.recordIncident(i, d);
    }
  });
  const config = join(dir, 'postvagt.yaml');
  writeFileSync(config, `data_dir: ${dir}\nupstreams:\n  default:\n    url: ${url}\n    helo_name: postvagt.kommune.dk\n`);
  return { dir, config };
}

const smtpServer = recordingSmtp;

test('list: only held mail not yet resolved, oldest first, nothing raw', async (t) => {
  const { dir, config } = await setup(t, 'capture', [
    { i: held(ID) },
    { i: held('PV-20261129-DONE01', { status: 'resolved', resolution: 'resent' }) },
    { i: incident('PV-20261129-REJ001', '2026-11-29T07:00:00.000Z') },
    { i: held('PV-20261128-OLDER1', { time: '2026-11-28T08:00:00.000Z', status: 'reviewed' }) },
  ]);
  const io = fakeIO({ cwd: dir });
  assert.equal(await main(['quarantine', 'list', '--config', config], io), 0, io.err());
  const out = io.out();
  assert.ok(out.indexOf('PV-20261128-OLDER1') < out.indexOf(ID) && out.indexOf('PV-20261128-OLDER1') >= 0, out);
  assert.doesNotMatch(out, /DONE01|REJ001/);
  assert.match(out, /from: sagsbehandler@kommune\.dk\n {2}to: {3}borger@example\.dk\n {2}subject: Sag XXXXXX-XXXX/);
  assert.match(out, /2 held mail\(s\)/);
  // Danish time, as on the dashboard and in the sender's notice (user review: it printed raw UTC ISO)
  assert.match(out, /PV-20261128-OLDER1  2026-11-28 09:00:00 \(dansk tid\)  reviewed\n/);
  assert.ok(!out.includes(RAW));
});

test('release: the exact bytes and the original envelope reach the upstream; resolved; warned', async (t) => {
  const srv = await smtpServer(t);
  const { dir, config } = await setup(t, srv.url, [{ i: held(ID, { recipients: ['borger@example.dk', 'kopi@example.dk'] }) }]);
  const io = fakeIO({ cwd: dir });
  assert.equal(await main(['quarantine', 'release', ID, '--config', config], io), 0, io.err());
  assert.equal(srv.got.length, 1);
  assert.equal(srv.got[0].from, 'sagsbehandler@kommune.dk');
  assert.deepEqual(srv.got[0].to, ['borger@example.dk', 'kopi@example.dk']);
  assert.ok(srv.got[0].data.equals(MAIL), `delivered bytes differ:\n${srv.got[0].data.toString('utf8')}`);
  assert.match(io.err(), /warning: PV-20261129-QUAR01 is released with the CPR number still in its header \(Sag XXXXXX-XXXX\)/);
  assert.match(io.out(), /released to borger@example\.dk, kopi@example\.dk, accepted by smtp:\/\/127\.0\.0\.1:\d+: 250 /);
  assert.ok(!io.out().includes(RAW) && !io.err().includes(RAW));
  const after = await withStore(dir, (s) => s.getIncident(ID));
  assert.equal(after?.status, 'resolved');
  assert.equal(after?.resolution, 'released-from-quarantine');
  const again = fakeIO({ cwd: dir });
  assert.equal(await main(['quarantine', 'release', ID, '--config', config], again), 2, 'a second release would deliver twice');
  assert.match(again.err(), /already resolved \(released-from-quarantine\)/);
  assert.equal(srv.got.length, 1);
});

test('release: a 554 at RCPT exits 1 with the server reply; the incident and the held mail are unchanged', async (t) => {
  const srv = await smtpServer(t, {
    onRcptTo(_address, _session, cb) {
      cb(Object.assign(new Error('5.7.1 Relaying denied for postvagt'), { responseCode: 554 }));
    },
  });
  const { dir, config } = await setup(t, srv.url, [{ i: held(ID) }]);
  const io = fakeIO({ cwd: dir });
  assert.equal(await main(['quarantine', 'release', ID, '--config', config], io), 1);
  assert.match(io.err(), /554 5\.7\.1 Relaying denied for postvagt/);
  assert.match(io.err(), /nothing was released and the incident is unchanged/);
  assert.equal(srv.got.length, 0);
  await withStore(dir, async (s) => {
    const after = await s.getIncident(ID);
    assert.equal(after?.status, 'new');
    assert.equal(after?.resolution, null);
    assert.ok((await s.readQuarantined(ID))?.equals(MAIL));
  });
});

test('release: one recipient refused, one accepted: exit 1, says not to release again; incident stays open', async (t) => {
  const srv = await smtpServer(t, {
    onRcptTo(address, _session, cb) {
      cb(address.address === 'kopi@example.dk' ? Object.assign(new Error('5.1.1 No such user'), { responseCode: 550 }) : undefined);
    },
  });
  const { dir, config } = await setup(t, srv.url, [{ i: held(ID, { recipients: ['borger@example.dk', 'kopi@example.dk'] }) }]);
  const io = fakeIO({ cwd: dir });
  assert.equal(await main(['quarantine', 'release', ID, '--config', config], io), 1);
  assert.deepEqual(srv.got.map((g) => g.to), [['borger@example.dk']]);
  assert.match(io.err(), /accepted the mail for borger@example\.dk but refused kopi@example\.dk \(550 5\.1\.1 No such user\).*do NOT release it again/);
  assert.equal((await withStore(dir, (s) => s.getIncident(ID)))?.status, 'new');
});

test('release: refused when the store had to mask an address (it held a CPR number); nothing sent', async (t) => {
  const srv = await smtpServer(t);
  const { dir, config } = await setup(t, srv.url, [{ i: held(ID, { recipients: [`${RAW}@kommune.dk`] }) }]);
  const io = fakeIO({ cwd: dir });
  assert.equal(await main(['quarantine', 'release', ID, '--config', config], io), 2);
  assert.match(io.err(), /envelope address XXXXXX-XXXX@kommune\.dk held a CPR number.*will not guess/);
  assert.ok(!io.err().includes(RAW));
  assert.equal(srv.got.length, 0);
  assert.equal((await withStore(dir, (s) => s.getIncident(ID)))?.status, 'new');
});

test("release with the 'capture' route (--data, no config file): the mail lands in the capture mailbox", async (t) => {
  const { dir } = await setup(t, 'capture', [{ i: held(ID) }]);
  const io = fakeIO({ cwd: dir });
  assert.equal(await main(['quarantine', 'release', ID, '--data', dir], io), 0, io.err());
  assert.match(io.out(), /stored in the capture mailbox as message (\d+)/);
  const n = Number(/message (\d+)/.exec(io.out())?.[1]);
  await withStore(dir, async (s) => {
    assert.ok((await s.readCaptured(n))?.equals(MAIL));
    assert.equal((await s.getIncident(ID))?.resolution, 'released-from-quarantine');
  });
});

test('delete: the encrypted copy (inline or file) is gone and the incident resolved as handled-manually', async (t) => {
  const big = Buffer.concat([MAIL, Buffer.alloc(300 * 1024, 'a')]); // over the inline limit: an encrypted file
  const { dir, config } = await setup(t, 'capture', [{ i: held(ID) }, { i: held('PV-20261129-BIG001'), mail: big }]);
  assert.equal(readdirSync(join(dir, 'quarantine')).length, 1);
  for (const id of [ID, 'PV-20261129-BIG001']) {
    const io = fakeIO({ cwd: dir });
    assert.equal(await main(['quarantine', 'delete', id, '--config', config], io), 0, io.err());
    assert.match(io.out(), /the encrypted copy is deleted; the incident is resolved \(handled-manually\)/);
    await withStore(dir, async (s) => {
      assert.equal(await s.readQuarantined(id), null);
      const after = await s.getIncident(id);
      assert.deepEqual([after?.status, after?.resolution], ['resolved', 'handled-manually']);
    });
  }
  assert.deepEqual(readdirSync(join(dir, 'quarantine')), []);
  const again = fakeIO({ cwd: dir });
  assert.equal(await main(['quarantine', 'delete', ID, '--config', config], again), 2);
  assert.match(again.err(), /holds no mail any more and is already resolved/);
});

test('unknown id, a non-quarantine incident and bad usage exit 2 with a clear message', async (t) => {
  const { dir, config } = await setup(t, 'capture', [{ i: incident('PV-20261129-REJ001', '2026-11-29T07:00:00.000Z') }]);
  const cases: [string[], RegExp][] = [
    [['release', 'PV-20990101-NOPE00'], /no incident PV-20990101-NOPE00 \(see 'postvagt quarantine list'\)/],
    [['delete', 'PV-20990101-NOPE00'], /no incident PV-20990101-NOPE00/],
    [['delete', 'PV-20261129-REJ001'], /not a held mail \(its action was 'reject'\)/],
    [['release', 'PV-20261129-REJ001'], /not a held mail/],
    [['release'], /takes one incident id/],
    [['purge'], /expected list, release or delete after 'quarantine', got 'purge'/],
    [['release', RAW], /no incident XXXXXX-XXXX/],
    [['release', 'pv-20261129-rej001'], /incident PV-20261129-REJ001 is not a held mail/], // typed in lower case: still found
  ];
  for (const [args, message] of cases) {
    const io = fakeIO({ cwd: dir });
    assert.equal(await main(['quarantine', ...args, '--config', config], io), 2, args.join(' '));
    assert.match(io.err(), message);
    assert.ok(!io.err().includes(RAW));
  }
  const missing = fakeIO({ cwd: dir });
  assert.equal(await main(['quarantine', 'list', '--data', join(dir, 'nowhere')], missing), 2);
  assert.match(missing.err(), /no Postvagt data folder/);
});

test('--help teaches the commands and says a release keeps the number in the header', async () => {
  const io = fakeIO();
  assert.equal(await main(['quarantine', '--help'], io), 0);
  assert.match(io.out(), /postvagt quarantine release PV-/);
  assert.match(io.out(), /CPR number is STILL IN THE HEADER/);
  const top = fakeIO();
  await main(['--help'], top);
  assert.match(top.out(), /quarantine list\|release\|delete {2}held mail: list it, deliver it, or delete it/);
});
