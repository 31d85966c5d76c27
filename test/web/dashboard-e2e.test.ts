// The operator's path end to end, with real processes: `postvagt serve` (real SQLite store,
// capture mailbox), `postvagt user add` from a pipe, swaks as the mail client, then the
// dashboard API and pages over HTTP — and afterwards no file in the data folder holds the number.
// I/O: child processes on free loopback ports, a temp data folder (removed), swaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN, spawnServe } from '../support/serve.ts';
const RAW = '2207540181';

async function swaks(port: number, args: string[]): Promise<string> {
  const r = await promisify(execFile)('swaks', ['--server', `127.0.0.1:${port}`, '--from', 'sagsbehandler@kommune.example', '--to', 'borger@example.org', ...args]).catch((e: { stdout: string }) => e);
  return r.stdout;
}

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return (await Promise.all(entries.map((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)])))).flat();
}

test('serve + user add + swaks: the incident id in the 550 is the one the API shows; nothing on disk holds the number', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pv-dash-'));
  const data = join(dir, 'var');
  const serve = await spawnServe(dir, data);
  const { smtp, http, env, exited } = serve;
  try {
    const added = spawnSync(process.execPath, [BIN, 'user', 'add', 'anna', '--data', data], { input: 'korrekt hest batteri\n', encoding: 'utf8', cwd: dir, env });
    assert.equal(added.status, 0, added.stderr);

    const rejected = await swaks(smtp, ['--header', `Subject: Sag ${RAW.slice(0, 6)}-${RAW.slice(6)}`]);
    const id = /^<\*\* +550 5\.7\.1 .*Sag (PV-\d{8}-[0-9A-Z]{6})/m.exec(rejected)?.[1];
    assert.ok(id, rejected);
    const delivered = await swaks(smtp, ['--header', 'Subject: Referat', '--body', `Borgerens CPR ${RAW} hører til i brødteksten`]);
    assert.match(delivered, /^<- +250 /m);

    const base = `http://127.0.0.1:${http}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    assert.equal((await fetch(`${base}/api/incidents`)).status, 401);
    const api = await fetch(`${base}/api/incidents`, { headers: { authorization: `Basic ${Buffer.from('anna:korrekt hest batteri').toString('base64')}` } });
    const body = (await api.json()) as { incidents: { id: string; subject_masked: string; action: string; findings: { masked: string }[] }[] };
    assert.equal(body.incidents[0].id, id);
    assert.equal(body.incidents[0].action, 'reject');
    assert.equal(body.incidents[0].subject_masked, 'Sag XXXXXX-XXXX');

    const login = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'user=anna&password=korrekt+hest+batteri&next=%2Fcaptured' });
    assert.equal(login.status, 303);
    const cookie = String(login.headers.get('set-cookie')).split(';')[0];
    const captured = await (await fetch(`${base}/captured`, { headers: { cookie } })).text();
    const link = /href="(\/captured\/\d+)"/.exec(captured)?.[1];
    assert.ok(link, captured);
    const shown = await (await fetch(`${base}${link}`, { headers: { cookie } })).text();
    assert.match(shown, /Subject: Referat/);
    assert.match(shown, /Borgerens CPR XXXXXX-XXXX hører til i brødteksten/);
    const incidents = await (await fetch(`${base}/incidents`, { headers: { cookie } })).text();
    for (const page of [captured, shown, incidents]) assert.ok(!page.includes(RAW) && !page.includes('220754-0181'));

    serve.child.kill('SIGTERM');
    assert.equal(await exited, 0, serve.out());
    assert.ok(!serve.out().includes(RAW) && !serve.out().includes('220754-0181'), 'logs and banner hold no raw number');
    for (const f of await files(data)) {
      const bytes = await readFile(f);
      assert.equal(bytes.indexOf(RAW), -1, `${f} holds the raw number`);
      assert.equal(bytes.indexOf('220754-0181'), -1, `${f} holds the raw number`);
    }
  } finally {
    serve.kill();
    await rm(dir, { recursive: true, force: true });
  }
});
