// The dashboard as the central mailbox's reviewer meets it: headless Chromium (Debian `chromium`,
// driven by playwright-core) against a real `postvagt serve`, incidents made by swaks. I/O: child
// processes and two HTTP servers on loopback, a temp folder (removed). Guards invariant 2 (no raw
// CPR on a page) and that the SameSite=Lax cookie opens webmail links but carries no forged writes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { BIN, spawnServe, type Serving } from '../support/serve.ts';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'korrekt hest batteri';
const RAWS = ['2207540181', '0103651236'];
/** a raw number in any spelling a page could show it: plain, dash, space, non-breaking hyphen */
const RAW_ON_PAGE = /220754\D?0181|010365\D?1236/;

let dir = '';
let serve: Serving | undefined;
let browser: Browser | undefined;
let other: Server | undefined;
let dash = ''; // http://127.0.0.1:PORT — the dashboard
let site = ''; // http://localhost:PORT — "webmail": another site, as SameSite counts sites
const ids: string[] = []; // case numbers from the 550 replies, in the order of RAWS
let signedIn: BrowserContext | undefined; // scenario 1 signs in here; 2, 4, 5 and 6 reuse it

async function swaksReject(raw: string): Promise<string> {
  const args = ['--server', `127.0.0.1:${serve!.smtp}`, '--from', 'sagsbehandler@kommune.example', '--to', 'borger@example.org', '--header', `Subject: Sag ${raw.slice(0, 6)}-${raw.slice(6)}`];
  const r = await promisify(execFile)('swaks', args).catch((e: { stdout: string }) => e);
  const id = /^<\*\* +550 5\.7\.1 .*Sag (PV-\d{8}-[0-9A-Z]{6})/m.exec(r.stdout)?.[1];
  assert.ok(id, `no 550 with a case number from swaks:\n${r.stdout}`);
  return id;
}

/** The other site: a webmail-like page with the link, and a page that auto-posts a forged status change. */
function otherSite(): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const id = url.searchParams.get('id') ?? '';
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (url.pathname === '/mail') {
      res.end(`<!doctype html><p>Postvagt: uløst hændelse</p><a id="case" href="${dash}/incidents/${id}">${id}</a>`);
    } else if (url.pathname === '/forge') {
      res.end(`<!doctype html><body onload="document.forms[0].submit()"><form method="post" action="${dash}/incidents/${id}/status">
<input type="hidden" name="status" value="resolved"><input type="hidden" name="resolution" value="false-positive"></form></body>`);
    } else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function launch(): Promise<Browser> {
  // a missing browser must fail the run, never skip it: CI installs it from .ci/apt-packages
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: install the Debian package "chromium" (it is in .ci/apt-packages)`);
  try {
    return await chromium.launch({ executablePath: CHROMIUM, headless: true });
  } catch (e) {
    throw new Error(`headless Chromium (${CHROMIUM}, Debian package "chromium") did not start: ${(e as Error).message}`);
  }
}

async function signIn(page: Page): Promise<void> {
  await page.getByLabel('Bruger · User').fill('anna');
  await page.getByLabel('Adgangskode · Password').fill(PASSWORD);
  await Promise.all([page.waitForURL((u) => u.pathname !== '/login'), page.getByRole('button', { name: 'Log ind · Sign in' }).click()]);
}

async function assertSignInPage(page: Page, next: string): Promise<void> {
  const url = new URL(page.url());
  assert.equal(`${url.origin}${url.pathname}`, `${dash}/login`, 'the sign-in page');
  assert.equal(url.searchParams.get('next'), next);
  assert.equal(await page.locator('form.login').count(), 1);
}

/** The page for one incident: its URL, exactly one row, the one with this case number. */
async function assertIncidentPage(page: Page, id: string): Promise<void> {
  assert.equal(page.url(), `${dash}/incidents/${id}`, 'the incident page, not the sign-in page');
  assert.equal(await page.locator('tbody tr').count(), 1);
  assert.equal((await page.locator('tbody tr td').nth(1).innerText()).trim(), id);
}

/** The status cell of an incident's row on the list: status, then resolution (the form after) */
async function statusOnList(page: Page, id: string): Promise<string[]> {
  const cell = page.locator('tbody tr', { hasText: id }).locator('td').nth(5);
  return (await cell.innerText()).split('\n').map((l) => l.trim()).filter(Boolean);
}

/** Press a status form's button as the reviewer would; the dashboard must take it and show the page it was pressed on again. */
async function submitStatus(page: Page, button: Locator): Promise<void> {
  const from = page.url();
  const posted = page.waitForResponse((r) => r.request().method() === 'POST' && /\/incidents\/[^/]+\/status$/.test(r.url()));
  await button.click();
  const res = await posted;
  const origin = await res.request().headerValue('origin');
  assert.equal(res.status(), 303, `the page's own status form was answered ${res.status()} (the browser sent Origin: ${origin})`);
  assert.equal(await res.headerValue('location'), new URL(from).pathname + new URL(from).search);
  await page.waitForURL(from);
}

async function apiStatus(id: string): Promise<string> {
  const res = await fetch(`${dash}/api/incidents`, { headers: { authorization: `Basic ${Buffer.from(`anna:${PASSWORD}`).toString('base64')}` } });
  const body = (await res.json()) as { incidents: { id: string; status: string }[] };
  const found = body.incidents.find((i) => i.id === id);
  assert.ok(found, `${id} in the API`);
  return found.status;
}

describe('dashboard in headless Chromium', () => {
  before(async () => {
    browser = await launch();
    dir = await mkdtemp(join(tmpdir(), 'pv-browser-'));
    const data = join(dir, 'var');
    serve = await spawnServe(dir, data);
    assert.ok(serve.out().includes('Stop with Ctrl-C'), `serve did not start:\n${serve.out()}`);
    const added = spawnSync(process.execPath, [BIN, 'user', 'add', 'anna', '--data', data], { input: `${PASSWORD}\n`, encoding: 'utf8', cwd: dir, env: serve.env });
    assert.equal(added.status, 0, added.stderr);
    dash = `http://127.0.0.1:${serve.http}`;
    other = await otherSite();
    site = `http://localhost:${(other.address() as AddressInfo).port}`;
    for (const raw of RAWS) ids.push(await swaksReject(raw));
  });

  after(async () => {
    await browser?.close();
    serve?.kill();
    await new Promise((r) => (other ? other.close(r) : r(undefined)));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('1: /incidents asks to sign in; after the form the list shows the 550 incident, masked, no raw number in the HTML', async () => {
    signedIn = await browser!.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await signedIn.newPage();
    await page.goto(`${dash}/incidents`);
    await assertSignInPage(page, '/incidents');
    await signIn(page);
    assert.equal(page.url(), `${dash}/incidents`);
    const row = page.locator('tbody tr', { hasText: ids[0] });
    assert.equal(await row.count(), 1, `${ids[0]} on the list`);
    // the page keeps the masked number on one line with U+2011 (non-breaking hyphen); a reader sees a dash
    assert.equal((await row.locator('td').nth(2).innerText()).replace(/\u2011/g, '-'), 'Sag XXXXXX-XXXX');
    assert.doesNotMatch(await page.content(), RAW_ON_PAGE);
    await page.close();
  });

  test('2: signed in, a link clicked on another site (webmail) opens the incident, not the sign-in page', async () => {
    const page = await signedIn!.newPage();
    await page.goto(`${site}/mail?id=${ids[0]}`);
    await Promise.all([page.waitForURL((u) => u.host !== new URL(site).host), page.click('#case')]);
    await assertIncidentPage(page, ids[0]);
    assert.doesNotMatch(await page.content(), RAW_ON_PAGE);
    await page.close();
  });

  test('3: not signed in, the same link asks to sign in and then lands on that incident', async () => {
    const context = await browser!.newContext();
    const page = await context.newPage();
    await page.goto(`${site}/mail?id=${ids[0]}`);
    await Promise.all([page.waitForURL(`${dash}/login**`), page.click('#case')]);
    await assertSignInPage(page, `/incidents/${ids[0]}`);
    await signIn(page);
    await assertIncidentPage(page, ids[0]);
    await context.close();
  });

  test('4: the reviewer marks the incident reviewed, then resolved with a resolution, on its own page; that page and the list show it', async () => {
    const page = await signedIn!.newPage();
    await page.goto(`${dash}/incidents/${ids[0]}`);
    await submitStatus(page, page.getByRole('button', { name: 'Gennemset · Reviewed' }));
    assert.equal((await statusOnList(page, ids[0]))[0], 'reviewed');
    const row = page.locator('tbody tr', { hasText: ids[0] });
    await row.locator('select[name=resolution]').selectOption('handled-manually');
    await submitStatus(page, row.getByRole('button', { name: 'Løst · Resolve' }));
    assert.deepEqual((await statusOnList(page, ids[0])).slice(0, 3), ['resolved', 'handled-manually', 'Genåbn · Reopen']);
    assert.equal(await apiStatus(ids[0]), 'resolved');
    await page.goto(`${dash}/incidents`);
    assert.deepEqual((await statusOnList(page, ids[0])).slice(0, 2), ['resolved', 'handled-manually'], 'and on the list');
    assert.equal((await statusOnList(page, ids[1]))[0], 'new', 'the other incident is untouched');
    await page.close();
  });

  test('5: a form on another site that auto-posts a status change is refused; the incident stays new', async () => {
    const page = await signedIn!.newPage();
    const posted = page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === `${dash}/incidents/${ids[1]}/status`);
    await page.goto(`${site}/forge?id=${ids[1]}`);
    const res = await posted; // the browser did send it: the refusal is the dashboard's, not a test artefact
    // refused either way: no cookie under Lax (sign-in page) or a foreign Origin (403); wait for that page
    await page.waitForURL((u) => u.origin === dash && (u.pathname === '/login' || res.status() === 403));
    const refused = res.status() === 403 || (res.status() === 303 && (await res.headerValue('location'))?.startsWith('/login?'));
    assert.ok(refused, `forged POST answered ${res.status()} → ${await res.headerValue('location')}`);
    assert.equal(await apiStatus(ids[1]), 'new');
    await page.goto(`${dash}/incidents`);
    assert.equal((await statusOnList(page, ids[1]))[0], 'new', 'and the reviewer is still signed in');
    await page.close();
  });

  test('6: screenshots of the list (desktop) and an incident (390 px phone); nothing wider than the phone screen', async () => {
    const shots = process.env.POSTVAGT_SCREENSHOTS || join(dir, 'shots');
    const list = await signedIn!.newPage();
    await list.goto(`${dash}/incidents`);
    await list.screenshot({ path: join(shots, 'incidents-1366.png'), fullPage: true });
    // on a common laptop screen every column, up to the reply, is in view without scrolling the table sideways
    const table = await list.locator('.wide').evaluate((e) => ({ scroll: e.scrollWidth, client: e.clientWidth }));
    assert.ok(table.scroll <= table.client, `the incident table at 1366 px is ${table.scroll} px wide in ${table.client} px`);
    const state = await signedIn!.storageState();
    // not isMobile: a mobile viewport widens itself to fit wide content, which would hide the overflow checked here
    const phone = await browser!.newContext({ storageState: state, viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    for (const [name, path] of [['incident-390.png', `/incidents/${ids[1]}`], ['incidents-390.png', '/incidents']]) {
      const page = await phone.newPage();
      await page.goto(`${dash}${path}`);
      await page.screenshot({ path: join(shots, name), fullPage: true });
      const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
      assert.equal(inner, 390);
      assert.ok(scroll <= inner, `${path} at 390 px: the page is ${scroll} px wide, the screen ${inner} px`);
    }
    for (const name of ['incidents-1366.png', 'incident-390.png', 'incidents-390.png']) {
      assert.ok((await stat(join(shots, name))).size > 10_000, `${name} is a real picture`);
    }
    await phone.close();
    await list.close();
  });
});
