// A bad flag is one line on stderr and exit 2, the same in every command (user review, 29 Nov:
// serve and user printed the whole help after it, and several passed on Node's advice about '--').
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli.ts';
import { fakeIO, tmp } from '../support/cli-io.ts';

const CASES: [string[], string][] = [
  [['serve', '--bogus'], "postvagt serve: unknown option '--bogus' (see 'postvagt serve --help')"],
  [['serve', '--listen'], "postvagt serve: --listen needs a value (see 'postvagt serve --help')"],
  [['serve', 'extra'], "postvagt serve: unexpected argument 'extra' (see 'postvagt serve --help')"],
  [['user', 'add', 'anna', '--bogus'], "postvagt user: unknown option '--bogus' (see 'postvagt user add --help')"],
  [['quarantine', 'list', '--bogus'], "postvagt quarantine: unknown option '--bogus' (see 'postvagt quarantine --help')"],
  [['digest', '--date'], "postvagt digest: --date needs a value (see 'postvagt digest --help')"],
  [['report', 'breach', '--from'], "postvagt report: --from needs a value (see 'postvagt report breach --help')"],
  [['scan', 'mailbox', '--format'], "postvagt scan: --format needs a value (see 'postvagt scan mailbox --help')"],
  [['scan', 'text', '--reveal=yes'], "postvagt scan: --reveal: does not take an argument (see 'postvagt scan text --help')"],
];

for (const [argv, line] of CASES) {
  test(`bad flag, one line: postvagt ${argv.join(' ')}`, async (t) => {
    const io = fakeIO({ cwd: tmp(t, 'pv-flags-'), stdin: '' });
    assert.equal(await main(argv, io), 2);
    assert.equal(io.err(), `${line} [PV_USAGE]\n`);
    assert.equal(io.out(), '');
  });
}
