// The dispatcher in src/cli.ts: help, unknown commands and exit codes (DESIGN: 2 = bad usage).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli.ts';
import { PvError, exitCodeFor, describeError } from '../../src/errors.ts';
import { fakeIO } from '../support/cli-io.ts';


test('no arguments prints the help and exits 2 (usage)', async () => {
  const io = fakeIO();
  assert.equal(await main([], io), 2);
  assert.match(io.out(), /Usage: postvagt <command>/);
});

test('--help prints the help and exits 0', async () => {
  const io = fakeIO();
  assert.equal(await main(['--help'], io), 0);
  for (const cmd of ['serve', 'scan', 'audit', 'digest', 'report breach', 'user add']) assert.ok(io.out().includes(cmd), cmd);
});

test('an unknown command names itself on stderr and exits 2', async () => {
  const io = fakeIO();
  assert.equal(await main(['frobnicate'], io), 2);
  assert.match(io.err(), /unknown command 'frobnicate'/);
});

test('error table: usage, input and config errors map to exit 2, others to 1', () => {
  assert.equal(exitCodeFor(new PvError('PV_USAGE', 'x')), 2);
  assert.equal(exitCodeFor(new PvError('PV_INPUT_UNREADABLE', 'x')), 2);
  assert.equal(exitCodeFor(new PvError('PV_CONFIG_UNKNOWN_KEY', 'x')), 2);
  assert.equal(exitCodeFor(new PvError('PV_STORE_UNAVAILABLE', 'x')), 1);
  assert.equal(exitCodeFor(new Error('bug')), 1);
});

test('describeError names the file and line', () => {
  const e = new PvError('PV_CONFIG_UNKNOWN_KEY', "policy.outbound.acton: unknown key", { file: 'postvagt.yaml', line: 12 });
  assert.equal(describeError(e), "postvagt.yaml:12: policy.outbound.acton: unknown key [PV_CONFIG_UNKNOWN_KEY]");
});
