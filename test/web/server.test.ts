// The dashboard and API in process (fastify inject): probes, metrics, Basic and cookie login,
// the exact incident JSON contract, escaping, the 24 h highlight, and no raw CPR in any response.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../src/log.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { hashPassword } from '../../src/web/auth.ts';
import { metrics } from '../../src/web/metrics.ts';
import { buildWeb, startWeb } from '../../src/web/server.ts';
import { decision, incident, tempConfig, RAW } from '../store/helpers.ts';

const NOW = new Date('2026-11-29T12:00:00.000Z');
const PASSWORD = 'korrekt hest batteri';
const BASIC = `Basic ${Buffer.from(`anna:${PASSWORD}`).toString('base64')}`;
const silent = createLogger({ level: 'silent' });

async function setup(health = { serving: true, up: true }): Promise<{ app: FastifyInstance; store: Store }> {
  const loaded = await tempConfig();
  const store = await openStore(loaded);
  await store.addUser({ name: 'anna', passwordHash: await hashPassword(PASSWORD), createdAt: NOW.toISOString() });
  await store.recordIncident(incident('PV-20261127-OLD001', '2026-11-27T09:00:00.000Z'), decision('tx-1', '2026-11-27T09:00:00.000Z'));
  await store.recordIncident(
    incident('PV-20261129-NEW001', '2026-11-29T11:00:00.000Z', { direction: 'inbound', action: 'redact', classification: 'systemic', subjectMasked: '<script>alert(1)</script> XXXXXX-XXXX', sender: '"><img src=x>@evil' }),
    decision('tx-2', '2026-11-29T11:00:00.000Z'),
  );
  await store.recordIncident(incident('PV-20261126-DONE01', '2026-11-26T09:00:00.000Z', { status: 'resolved', resolution: 'resent' }), decision('tx-3', '2026-11-26T09:00:00.000Z'));
  const app = buildWeb({ loaded, store, logger: silent, clock: () => NOW, health: () => ({ serving: health.serving, upstreamReachable: async () => health.up }) });
  return { app, store };
}

async function login(app: FastifyInstance): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `user=anna&password=${encodeURIComponent(PASSWORD)}&next=%2Fcaptured` });
  assert.equal(res.statusCode, 303);
  assert.equal(res.headers.location, '/captured');
  const cookie = String(res.headers['set-cookie']);
  assert.match(cookie, /^pv_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=28800$/);
  return cookie.split(';')[0];
}

test('healthz needs no login and follows serving; readyz checks store and upstream', async () => {
  const up = await setup();
  assert.equal((await up.app.inject('/healthz')).statusCode, 200);
  const ready = await up.app.inject('/readyz');
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json(), { status: 'ready', store: 'ok', upstream: 'ok' });
  const down = await setup({ serving: false, up: false });
  assert.equal((await down.app.inject('/healthz')).statusCode, 503);
  assert.deepEqual((await down.app.inject('/readyz')).json(), { status: 'not ready', store: 'ok', upstream: 'unreachable' });
  await up.store.close();
  assert.equal((await up.app.inject('/readyz')).json().store, 'unavailable');
  await down.store.close();
});

test('metrics: Prometheus text with the contract counters, no login', async () => {
  const { app, store } = await setup();
  metrics.transactions.inc({ listener: 'outbound', direction: 'outbound', action: 'reject' });
  metrics.findings.inc({ header: 'Subject', kind: 'cpr' });
  const res = await app.inject('/metrics');
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain/);
  assert.match(res.body, /postvagt_transactions_total\{listener="outbound",direction="outbound",action="reject"\} \d+/);
  assert.match(res.body, /postvagt_findings_total\{header="Subject",kind="cpr"\} \d+/);
  for (const name of ['postvagt_upstream_failures_total', 'postvagt_notices_queued_total', 'postvagt_transaction_seconds']) assert.match(res.body, new RegExp(`# TYPE ${name} `));
  await store.close();
});

test('API: 401 without or with wrong credentials; Basic works; exact DESIGN shape, newest first', async () => {
  const { app, store } = await setup();
  const none = await app.inject('/api/incidents');
  assert.equal(none.statusCode, 401);
  assert.match(String(none.headers['www-authenticate']), /^Basic realm="Postvagt"/);
  const wrong = `Basic ${Buffer.from('anna:wrong password').toString('base64')}`;
  assert.equal((await app.inject({ url: '/api/incidents', headers: { authorization: wrong } })).statusCode, 401);
  assert.equal((await app.inject({ url: '/api/incidents', headers: { authorization: `Basic ${Buffer.from(`bo:${PASSWORD}`).toString('base64')}` } })).statusCode, 401);
  const res = await app.inject({ url: '/api/incidents', headers: { authorization: BASIC } });
  assert.equal(res.statusCode, 200);
  const { incidents } = res.json() as { incidents: Record<string, unknown>[] };
  assert.deepEqual(incidents.map((i) => i.id), ['PV-20261129-NEW001', 'PV-20261127-OLD001', 'PV-20261126-DONE01']);
  assert.deepEqual(Object.keys(incidents[1]), ['id', 'time', 'direction', 'action', 'status', 'classification', 'classification_reason', 'sender', 'recipients', 'subject_masked', 'findings', 'reply', 'notice']);
  assert.deepEqual(incidents[1].findings, [{ header: 'Subject', masked: 'XXXXXX-XXXX', fingerprint: 'f'.repeat(64), kind: 'cpr' }]);
  assert.equal(incidents[1].subject_masked, 'Sag XXXXXX-XXXX');
  await store.close();
});

test('API filters: status, classification, direction, since; bad values are a 400 naming the parameter', async () => {
  const { app, store } = await setup();
  const ids = async (q: string) => ((await app.inject({ url: `/api/incidents?${q}`, headers: { authorization: BASIC } })).json() as { incidents: { id: string }[] }).incidents.map((i) => i.id);
  assert.deepEqual(await ids('status=resolved'), ['PV-20261126-DONE01']);
  assert.deepEqual(await ids('classification=systemic'), ['PV-20261129-NEW001']);
  assert.deepEqual(await ids('direction=outbound&since=2026-11-27'), ['PV-20261127-OLD001']);
  assert.deepEqual(await ids('status=&classification=&direction=&since='), ['PV-20261129-NEW001', 'PV-20261127-OLD001', 'PV-20261126-DONE01']);
  const bad = await app.inject({ url: '/api/incidents?status=open', headers: { authorization: BASIC } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error, /^status must be one of new, reviewed, resolved/);
  assert.equal((await app.inject({ url: '/api/incidents?since=yesterday', headers: { authorization: BASIC } })).statusCode, 400);
  await store.close();
});

test('pages: redirect to login, session cookie, escaped content, unresolved > 24 h highlighted', async () => {
  const { app, store } = await setup();
  const anon = await app.inject('/incidents?status=new');
  assert.equal(anon.statusCode, 303);
  assert.equal(anon.headers.location, '/login?next=%2Fincidents%3Fstatus%3Dnew');
  const cookie = await login(app);
  const page = await app.inject({ url: '/incidents', headers: { cookie } });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
  assert.ok(!page.body.includes('<script>'), 'subject must be escaped');
  assert.ok(!page.body.includes('"><img'), 'sender must be escaped');
  // the masked number is shown with a non-breaking hyphen (U+2011) so it never wraps at the dash
  assert.ok(page.body.includes('&#60;script&#62;alert(1)&#60;/script&#62; XXXXXX\u2011XXXX'));
  const rows = page.body.split('<tr').slice(2);
  const rowOf = (id: string) => rows.find((r) => r.includes(id)) ?? '';
  assert.match(rowOf('PV-20261127-OLD001'), /^ class="stale"/, 'new and 51 h old');
  assert.doesNotMatch(rowOf('PV-20261129-NEW001'), /stale/, '1 h old');
  assert.doesNotMatch(rowOf('PV-20261126-DONE01'), /stale/, 'resolved');
  assert.match(page.body, /1 uløst\(e\) over 24 timer/);
  const forged = cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
  assert.equal((await app.inject({ url: '/incidents', headers: { cookie: forged } })).statusCode, 303);
  const out = await app.inject({ method: 'POST', url: '/logout', headers: { cookie } });
  assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
  await store.close();
});

test('login: wrong password is 401, an off-site next is ignored, ten failures lock the address out', async () => {
  const { app, store } = await setup();
  const form = (pw: string, next = '/incidents') => ({ method: 'POST' as const, url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ user: 'anna', password: pw, next }).toString() });
  const evil = await app.inject(form(PASSWORD, '//evil.example/'));
  assert.equal(evil.headers.location, '/incidents');
  for (let i = 0; i < 10; i++) assert.equal((await app.inject(form('not it at all'))).statusCode, 401);
  const locked = await app.inject(form(PASSWORD));
  assert.equal(locked.statusCode, 429);
  await store.close();
});

test('capture mailbox pages list delivered mail and show it with CPR numbers masked', async () => {
  const { app, store } = await setup();
  const id = await store.capture({ sender: 'a@kommune.dk', recipients: ['b@example.dk'], raw: Buffer.from(`Subject: Sag XXXXXX-XXXX\r\n\r\nCPR i brødtekst: ${RAW}\r\n`) });
  const cookie = await login(app);
  const list = await app.inject({ url: '/captured', headers: { cookie } });
  assert.match(list.body, new RegExp(`href="/captured/${id}"`));
  const one = await app.inject({ url: `/captured/${id}`, headers: { cookie } });
  assert.equal(one.statusCode, 200);
  assert.ok(!one.body.includes(RAW));
  assert.match(one.body, /CPR i brødtekst: XXXXXX-XXXX/);
  assert.equal((await app.inject({ url: '/captured/999', headers: { cookie } })).statusCode, 404);
  await store.close();
});

test('startWeb listens for real (port 0) and closes', async () => {
  const loaded = await tempConfig({ POSTVAGT_HTTP: '127.0.0.1:0' });
  const store = await openStore(loaded);
  const web = await startWeb({ loaded, store, logger: silent, health: () => ({ serving: true, upstreamReachable: async () => true }) });
  assert.match(web.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const res = await fetch(`${web.url}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok' });
  await web.close();
  await store.close();
});

test('status changes from the incidents page: reviewed, resolved with a resolution, reopened; bad input and foreign origins refused', async () => {
  const { app, store } = await setup();
  const cookie = await login(app);
  const post = (id: string, body: Record<string, string>, extra: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: `/incidents/${id}/status`, headers: { cookie, host: 'localhost:8025', 'content-type': 'application/x-www-form-urlencoded', ...extra }, payload: new URLSearchParams(body).toString() });
  const page = await app.inject({ url: '/incidents', headers: { cookie } });
  assert.match(page.body, /action="\/incidents\/PV-20261127-OLD001\/status"/);
  assert.equal((await post('PV-20261127-OLD001', { status: 'reviewed' })).statusCode, 303);
  assert.equal((await store.getIncident('PV-20261127-OLD001'))?.status, 'reviewed');
  assert.equal((await post('PV-20261127-OLD001', { status: 'resolved', resolution: 'false-positive' }, { origin: 'http://localhost:8025' })).statusCode, 303);
  const resolved = await store.getIncident('PV-20261127-OLD001');
  assert.deepEqual([resolved?.status, resolved?.resolution], ['resolved', 'false-positive']);
  assert.equal((await post('PV-20261127-OLD001', { status: 'resolved', resolution: 'deleted' })).statusCode, 400);
  const forged = await post('PV-20261127-OLD001', { status: 'new' }, { origin: 'http://evil.example' });
  assert.equal(forged.statusCode, 403);
  assert.match(forged.body, /<h1>Afvist · Forbidden<\/h1>/);
  assert.equal((await post('PV-20261127-OLD001', { status: 'new' }, { origin: 'null' })).statusCode, 403, 'an opaque origin is not ours');
  // back to the page the form was on: one incident, or the list with its filter; never another site
  const back = (referer: string) => post('PV-20261127-OLD001', { status: 'reviewed' }, { origin: 'http://localhost:8025', referer }).then((r) => r.headers.location);
  assert.equal(await back('http://localhost:8025/incidents/PV-20261127-OLD001'), '/incidents/PV-20261127-OLD001');
  assert.equal(await back('http://localhost:8025/incidents?status=reviewed'), '/incidents?status=reviewed');
  assert.equal(await back('http://evil.example/incidents/x'), '/incidents');
  assert.equal(await back('http://localhost:8025/captured'), '/incidents');
  await post('PV-20261127-OLD001', { status: 'resolved', resolution: 'false-positive' }, { origin: 'http://localhost:8025' });
  assert.equal((await store.getIncident('PV-20261127-OLD001'))?.status, 'resolved', 'unchanged by refused requests');
  assert.equal((await post('PV-20261129-NONE00', { status: 'reviewed' })).statusCode, 404);
  const anon = await app.inject({ method: 'POST', url: '/incidents/PV-20261127-OLD001/status', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'status=new' });
  assert.equal(anon.statusCode, 303);
  assert.match(String(anon.headers.location), /^\/login/);
  await store.close();
});

// User review (29 Nov): a case worker phones in the case number from a notice; the reviewer had to
// scroll the whole list, and the "Dashboard:" link escalation mails carry (…/incidents/PV-…) was a 404.
test('one incident by its case number: /incidents/PV-…, and the case-number box on the list goes there', async () => {
  const { app, store } = await setup();
  const cookie = await login(app);
  const one = await app.inject({ url: '/incidents/PV-20261127-OLD001', headers: { cookie } });
  assert.equal(one.statusCode, 200);
  assert.ok(one.body.includes('PV-20261127-OLD001'));
  assert.ok(!one.body.includes('PV-20261129-NEW001'), 'only that incident');
  assert.match(one.body, /<h1>Sag · Incident PV-20261127-OLD001<\/h1><p><a href="\/incidents">← Alle hændelser · All incidents<\/a><\/p>/);
  assert.ok(!one.body.includes('class="filters"'), 'no list filters on the page of one incident');
  assert.equal((await app.inject({ url: '/incidents/PV-20261127-NOSUCH', headers: { cookie } })).statusCode, 404);
  const box = await app.inject({ url: '/incidents?id=+pv-20261127-old001+', headers: { cookie } });
  assert.equal(box.statusCode, 303);
  assert.equal(box.headers.location, '/incidents/PV-20261127-OLD001');
  const anon = await app.inject('/incidents/PV-20261127-OLD001');
  assert.equal(anon.statusCode, 303, 'behind the login like every page');
  await store.close();
});

// User review (29 Nov): a bad filter showed "Ingen hændelser · No incidents" above the error, as
// if there were none; an unknown case number showed a bare "Not found".
test('a bad filter is an error, not "no incidents"; an unknown case number says which number', async () => {
  const { app, store } = await setup();
  const cookie = await login(app);
  const bad = await app.inject({ url: '/incidents?status=bogus', headers: { cookie } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /Filteret kan ikke bruges · The filter cannot be used: status must be one of new, reviewed, resolved/);
  assert.doesNotMatch(bad.body, /Ingen hændelser|<table>/);
  const unknown = await app.inject({ url: '/incidents/PV-20261127-NOSUCH', headers: { cookie } });
  assert.match(unknown.body, /No incident has the case number PV-20261127-NOSUCH/);
  const raw = await app.inject({ url: `/incidents/${RAW}`, headers: { cookie } });
  assert.ok(!raw.body.includes(RAW), 'a number typed into the address is not echoed');
  // a CPR number pasted into the case-number box is not put into a redirect URL (proxy logs, history)
  const pasted = await app.inject({ url: `/incidents?id=${RAW}`, headers: { cookie } });
  assert.equal(pasted.statusCode, 404);
  assert.equal(pasted.headers.location, undefined);
  assert.ok(!pasted.body.includes(RAW));
  await store.close();
});

// User review (29 Nov): the list of delivered mail showed only sender, recipients and size; to find
// the notice or escalation for a case the operator had to open every "<> → postmaster" message.
test('delivered-mail list shows each subject, decoded and masked (an encoded number in a subject too)', async () => {
  const { app, store } = await setup();
  const encoded = `=?UTF-8?B?${Buffer.from(`Ansøgning ${RAW}`).toString('base64')}?=`;
  await store.capture({ sender: '', recipients: ['sb@kommune.dk'], raw: Buffer.from('Subject: Tilbageholdt: CPR-nummer i emnefeltet [PV-20261129-7K3QXD]\r\n\r\nx\r\n') });
  await store.capture({ sender: 'a@kommune.dk', recipients: ['b@example.dk'], raw: Buffer.from(`Subject: ${encoded}\r\n\r\nx\r\n`) });
  const cookie = await login(app);
  const list = await app.inject({ url: '/captured', headers: { cookie } });
  assert.match(list.body, /<th>Emne \(maskeret\) · Subject \(masked\)<\/th>/);
  assert.match(list.body, /Tilbageholdt: CPR-nummer i emnefeltet \[PV-20261129-7K3QXD\]/);
  assert.ok(list.body.includes('Ansøgning XXXXXX\u2011XXXX'), 'decoded, masked, kept on one line');
  assert.ok(!list.body.includes(RAW) && !list.body.includes(encoded));
  await store.close();
});
