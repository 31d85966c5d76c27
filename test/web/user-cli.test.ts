// `postvagt user add`: in process through main() with a piped stdin, and once through the real
// bin/postvagt. The stored hash verifies; short/empty passwords and duplicates are refused (exit 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../store/helpers.ts';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli.ts';
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/store/open.ts';
import { smtpAuthenticator, verifyPassword } from '../../src/web/auth.ts';
import { fakeIO } from '../support/cli-io.ts';

const io = (stdin: string, cwd: string) => fakeIO({ stdin, cwd });

async function hashOf(dataDir: string, name: string): Promise<string | undefined> {
  const store = await openStore(await loadConfig({ env: {}, cwd: dataDir, overrides: { data: dataDir } }));
  try {
    return (await store.getUser(name))?.passwordHash;
  } finally {
    await store.close();
  }
}

test('user add reads the password from piped stdin and stores an scrypt hash that verifies', async () => {
  const dir = tempDir('pv-user-');
  const t = io('korrekt hest batteri\n', dir);
  assert.equal(await main(['user', 'add', 'anna', '--data', dir], t), 0, t.err());
  assert.match(t.out(), /created dashboard user 'anna'/);
  assert.ok(!t.out().includes('korrekt'));
  const hash = await hashOf(dir, 'anna');
  assert.match(hash ?? '', /^scrypt\$32768\$8\$1\$/);
  assert.equal(await verifyPassword('korrekt hest batteri', hash!), true);
  assert.equal(await verifyPassword('korrekt hest batteri ', hash!), false);
});

test('user add refuses empty and short passwords and an existing user, with clear messages (exit 2)', async () => {
  const dir = tempDir('pv-user-');
  const cases: [string[], string, RegExp][] = [
    [['user', 'add', 'bo', '--data', dir], '\n', /the password is empty/],
    [['user', 'add', 'bo', '--data', dir], 'kort\n', /too short: use at least 10 characters/],
    [['user', 'add', 'bo', '--data', dir, '--nope'], 'lang nok adgangskode\n', /^postvagt user: unknown option '--nope' \(see 'postvagt user add --help'\) \[PV_USAGE\]\n$/],
    [['user', 'remove', 'bo'], '', /expected 'user add NAME'/],
    [['user', 'add', 'bo/../x', '--data', dir], 'lang nok adgangskode\n', /NAME may hold/],
  ];
  for (const [argv, stdin, message] of cases) {
    const t = io(stdin, dir);
    assert.equal(await main(argv, t), 2, argv.join(' '));
    assert.match(t.err(), message);
  }
  assert.equal(await hashOf(dir, 'bo'), undefined, 'nothing was created');
  assert.equal(await main(['user', 'add', 'bo', '--data', dir], io('lang nok adgangskode\n', dir)), 0);
  const again = io('en anden adgangskode\n', dir);
  assert.equal(await main(['user', 'add', 'bo', '--data', dir], again), 2);
  assert.match(again.err(), /already exists \(use --replace/);
  assert.equal(await main(['user', 'add', 'bo', '--data', dir, '--replace'], io('en anden adgangskode\n', dir)), 0);
  assert.equal(await verifyPassword('en anden adgangskode', (await hashOf(dir, 'bo'))!), true);
});

test('bin/postvagt user add works from a shell pipe', () => {
  const dir = tempDir('pv-user-');
  const bin = new URL('../../bin/postvagt', import.meta.url).pathname;
  const r = spawnSync(process.execPath, [bin, 'user', 'add', 'drift', '--data', join(dir, 'var')], { input: 'meget hemmelig 42\n', encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /created dashboard user 'drift'/);
});

test('user add --smtp makes a relay account: it passes SMTP AUTH but not the dashboard, and a dashboard user cannot relay', async () => {
  const dir = tempDir('pv-user-');
  const t = io('relæ adgangskode 1\n', dir);
  assert.equal(await main(['user', 'add', 'webform', '--smtp', '--data', dir], t), 0, t.err());
  assert.match(t.out(), /created SMTP relay account 'webform'/);
  assert.equal(await main(['user', 'add', 'anna', '--data', dir], io('korrekt hest batteri\n', dir)), 0);
  const loaded = await loadConfig({ env: {}, cwd: dir, overrides: { data: dir } });
  const store = await openStore(loaded);
  const smtp = smtpAuthenticator(store, loaded.hmacKey);
  assert.equal(await smtp('webform', 'relæ adgangskode 1'), true);
  assert.equal(await smtp('webform', 'wrong password!'), false);
  assert.equal(await smtp('anna', 'korrekt hest batteri'), false, 'dashboard users cannot relay');
  const { Authenticator } = await import('../../src/web/auth.ts');
  const dashboard = new Authenticator(store, loaded.hmacKey);
  assert.equal(await dashboard.check('webform', 'relæ adgangskode 1'), false, 'relay accounts cannot sign in');
  assert.equal(await dashboard.check('anna', 'korrekt hest batteri'), true);
  await store.close();
});

test('on a terminal the password is asked twice without echo (raw mode), and a mismatch changes nothing', async () => {
  const dir = tempDir('pv-user-');
  const run = async (typed: string[]) => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true, rawModes: [] as boolean[], setRawMode(on: boolean) { this.rawModes.push(on); } });
    const t = { ...io('', dir), stdin };
    const done = main(['user', 'add', 'tty', '--data', dir], t);
    for (const chunk of typed) {
      await new Promise((r) => setTimeout(r, 5));
      stdin.write(chunk);
    }
    return { code: await done, t, stdin };
  };
  const bad = await run(['første kodeord\r', 'andet kodeord!\r']);
  assert.equal(bad.code, 2);
  assert.match(bad.t.err(), /the two passwords differ/);
  const ok = await run(['hemmelig x', 'yz\u007fz\r', 'hemmelig xyz\r']);
  assert.equal(ok.code, 0, ok.t.err());
  assert.deepEqual(ok.stdin.rawModes, [true, false, true, false], 'raw mode on while typing, off afterwards');
  assert.ok(!ok.t.err().includes('hemmelig'), 'nothing typed is echoed');
  assert.match(ok.t.err(), /Adgangskode \/ password: \nGentag \/ repeat: \n/);
  assert.equal(await verifyPassword('hemmelig xyz', (await hashOf(dir, 'tty'))!), true, 'backspace removed the typo');
});

// User review (29 Nov): `user add anna --data /srv/postvagt-typo` made a new, empty Postvagt there
// and said only "created"; the user then could not sign in to the real dashboard, with no hint why.
test('user add where there was no database says so (the user exists only there); an existing one is quiet', async () => {
  const dir = join(tempDir('pv-user-'), 'new-folder');
  const first = io('korrekt hest batteri\n', dir.replace(/new-folder$/, ''));
  assert.equal(await main(['user', 'add', 'anna', '--data', dir], first), 0, first.err());
  assert.match(first.err(), /^postvagt user: note: there was no Postvagt database in .*new-folder; a new one was created there, and 'postvagt serve' must use this folder/);
  const second = io('en anden adgangskode\n', dir);
  assert.equal(await main(['user', 'add', 'bo', '--data', dir], second), 0, second.err());
  assert.equal(second.err(), '');
});
