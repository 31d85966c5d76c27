// Configuration mistakes found in the user review (29 Nov), each with the message a person needs:
// a bad notify address started fine and then failed every escalation with 451 at run time; port
// 99999 reached the listener and failed with Node's own text; zod's wording ("Too small: expected
// array to have >=1 items", a regex, "Invalid input") leaked through; a misspelt key was reported twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../store/helpers.ts';
import { loadConfig } from '../../src/config/load.ts';
import { PvError, describeError } from '../../src/errors.ts';

async function message(yaml: string): Promise<string> {
  const d = tempDir('pv-config-review-');
  const file = join(d, 'postvagt.yaml');
  writeFileSync(file, yaml);
  try {
    await loadConfig({ file, env: {}, cwd: d, overrides: { data: join(d, 'var') } });
  } catch (err) {
    assert.ok(err instanceof PvError, String(err));
    return describeError(err).replaceAll(file, 'F');
  }
  return assert.fail('loaded, but should have been refused');
}

test('notify addresses that no notice could use are refused at start, with their lines', async () => {
  const m = await message('notify:\n  central_mailbox: fejlpost\n  postmaster: "x y"\n');
  assert.match(m, /^F:2: notify\.central_mailbox: 'fejlpost' is not an e-mail address/);
  assert.match(m, /\n {2}F:3: notify\.postmaster: 'x y' is not an e-mail address/);
});

test('display-name forms of the notify addresses are fine', async () => {
  const d = tempDir('pv-config-review-');
  const file = join(d, 'postvagt.yaml');
  writeFileSync(file, 'notify:\n  central_mailbox: "Fejlpost <fejlpost@kommune.dk>"\n  postmaster: postmaster@kommune.dk\n');
  const loaded = await loadConfig({ file, env: {}, cwd: d, overrides: { data: join(d, 'var') } });
  assert.equal(loaded.config.notify.central_mailbox, 'Fejlpost <fejlpost@kommune.dk>');
});

test('a port that does not exist is a configuration error, not a failed listen', async () => {
  assert.match(await message('listeners:\n  - name: out\n    listen: 127.0.0.1:99999\n    direction: outbound\n'), /^F:3: listeners\[0\]\.listen: port 99999 does not exist \(ports are 1-65535\)/);
  assert.match(await message('web:\n  listen: 127.0.0.1:70000\n'), /^F:2: web\.listen: port 70000 does not exist/);
});

test('messages in the words of the YAML file, not of the schema library', async () => {
  assert.match(await message('listeners: []\n'), /^F:1: listeners: give at least one listener/);
  assert.match(await message('digest:\n  time: "7:00"\n'), /^F:2: digest\.time: expected HH:MM on the 24-hour clock, e\.g\. 07:00/);
  assert.match(await message('digest:\n  time: "24:00"\n'), /digest\.time: expected HH:MM/);
  assert.match(await message('policy:\n  outbound: { action: rejekt }\n'), /policy\.outbound\.action: expected one of pass, reject, quarantine, redact, tag \(got 'rejekt'\)/);
  const types = await message('notify:\n  contact: [a, b]\nlisteners:\n  - name: x\n    listen: 127.0.0.1:2525\n    direction: outbound\n    max_connections: many\n    tls: { starttls: yes }\n');
  assert.match(types, /notify\.contact: expected text, got a list/);
  assert.match(types, /max_connections: expected a number, got the text 'many'/);
  assert.match(types, /tls\.starttls: expected true or false, got the text 'yes'/);
  assert.doesNotMatch(types, /Invalid|received/);
});

test('a misspelt key is reported once: the unknown key with its suggestion, not also its real key as missing', async () => {
  const m = await message('policy:\n  outbound:\n    acton: reject\n');
  assert.match(m, /^F:3: policy\.outbound\.acton: unknown key \(did you mean 'action'\?\)( \[PV_CONFIG_UNKNOWN_KEY\])?$/);
});
