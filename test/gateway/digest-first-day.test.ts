// The digest scheduler on a brand-new data folder: no digest for a day Postvagt did not watch (an
// empty "no incidents" digest would read as "all clear"); the first one covers the first day watched.
// I/O: temp data folders, a recording smtp-server upstream on 127.0.0.1:0, the in-memory store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingLogger, recordingUpstream } from './helpers.ts';
import { startDigestScheduler } from '../../src/gateway/digest-scheduler.ts';
import { PooledRoute } from '../../src/gateway/upstream.ts';
import { FakeStore } from '../support/fake-store.ts';

const notify = { postmaster: 'postmaster@kommune.example', contact: 'IT', unreachable_senders: [], central_mailbox: 'fejl@kommune.example' };

async function scheduler(clock: { now: Date }, over: { web?: { public_url?: string }; dataDir?: string; intervalMs?: number } = {}) {
  const up = await recordingUpstream();
  const route = new PooledRoute('default', { host: '127.0.0.1', port: up.port, heloName: 't', timeoutMs: 5000, requireTls: false, verifyCertificates: true, maxConnections: 2 });
  const dataDir = over.dataDir ?? (await mkdtemp(join(tmpdir(), 'pv-digest-first-')));
  const logger = recordingLogger();
  const config = { digest: { time: '07:00', enabled: true }, notify, data_dir: dataDir, web: over.web };
  const s = startDigestScheduler({ config, store: new FakeStore(), route, logger, clock: () => clock.now, intervalMs: over.intervalMs ?? 3_600_000 });
  return {
    s, up, logs: logger.lines, marker: join(dataDir, 'digest-last-sent'),
    close: async () => (s.stop(), await route.close(), await up.close()),
  };
}

// 2026-11-29 06:30 UTC is 07:30 in Copenhagen (winter time), after digest.time 07:00
test('first start after digest.time: nothing is sent, today is recorded; the first digest is tomorrow, for today', async () => {
  const clock = { now: new Date('2026-11-29T06:30:00Z') };
  const t = await scheduler(clock);
  try {
    assert.equal(await t.s.tick(), null, 'no digest for 28 Nov, a day Postvagt did not watch');
    assert.equal(await t.s.tick(), null);
    assert.equal(t.up.got.length, 0);
    assert.equal(await readFile(t.marker, 'utf8'), '2026-11-29\n');
    assert.deepEqual(t.logs, [], 'nothing logged: no "digest sent", no error');
    clock.now = new Date('2026-11-30T06:01:00Z'); // 07:01 the next morning
    assert.equal(await t.s.tick(), '2026-11-29', 'the first digest covers the first day watched');
    assert.equal(t.up.got.length, 1);
    assert.match(t.up.got[0].raw, /Døgnrapport 2026-11-29|D=C3=B8gnrapport_2026-11-29/);
  } finally {
    await t.close();
  }
});

test('first start before digest.time: nothing that morning either; the next morning the digest for the first day', async () => {
  const clock = { now: new Date('2026-11-29T05:00:00Z') }; // 06:00 Danish time
  const t = await scheduler(clock);
  try {
    assert.equal(await t.s.tick(), null);
    clock.now = new Date('2026-11-29T06:30:00Z');
    assert.equal(await t.s.tick(), null, 'still no digest for 28 Nov');
    clock.now = new Date('2026-11-30T06:30:00Z');
    assert.equal(await t.s.tick(), '2026-11-29');
    assert.equal(t.up.got.length, 1);
  } finally {
    await t.close();
  }
});

test('a data folder that has sent before is not a first start: after two days down, yesterday\'s digest goes at once', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pv-digest-first-'));
  await writeFile(join(dataDir, 'digest-last-sent'), '2026-11-27\n');
  const t = await scheduler({ now: new Date('2026-11-29T06:30:00Z') }, { dataDir });
  try {
    assert.equal(await t.s.tick(), '2026-11-28');
    assert.equal(t.up.got.length, 1);
  } finally {
    await t.close();
  }
});

test('an unreadable marker is not taken for a first start or a day never sent: no digest, a marker error', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pv-digest-first-'));
  await mkdir(join(dataDir, 'digest-last-sent')); // EISDIR on read
  const t = await scheduler({ now: new Date('2026-11-29T06:30:00Z') }, { dataDir });
  try {
    await assert.rejects(t.s.tick(), /cannot read .*digest-last-sent \(EISDIR\)/);
    assert.equal(t.up.got.length, 0, 'not a digest every minute');
  } finally {
    await t.close();
  }
});

test('the timer logs a marker fault as store.fail (the local file), not as a mail server failure', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pv-digest-first-'));
  await mkdir(join(dataDir, 'digest-last-sent'));
  const t = await scheduler({ now: new Date('2026-11-29T06:30:00Z') }, { dataDir, intervalMs: 10 });
  try {
    for (let i = 0; i < 200 && t.logs.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(t.logs[0]?.level, 'error');
    assert.equal(t.logs[0].obj.event, 'store.fail');
    assert.equal(t.logs[0].obj.where, 'daily digest marker');
    assert.equal(t.up.got.length, 0);
  } finally {
    await t.close();
  }
});

test('with web.public_url the digest links to the dashboard; without it, no link', async () => {
  for (const web of [{ public_url: 'https://postvagt.kommune.example' }, undefined]) {
    const dataDir = await mkdtemp(join(tmpdir(), 'pv-digest-first-'));
    await writeFile(join(dataDir, 'digest-last-sent'), '2026-11-28\n');
    const t = await scheduler({ now: new Date('2026-11-29T06:30:00Z') }, { dataDir, web });
    try {
      assert.equal(await t.s.tick(), '2026-11-28');
      const raw = t.up.got[0].raw.replaceAll('=\r\n', '');
      if (web) assert.ok(raw.includes('Dashboard: https://postvagt.kommune.example/incidents\r\n'), raw);
      else assert.ok(!/Dashboard:|https?:\/\//.test(raw), raw);
    } finally {
      await t.close();
    }
  }
});
