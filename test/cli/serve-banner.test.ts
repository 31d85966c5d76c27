// The start banner of `postvagt serve` (user review, 29 Nov): columns stay aligned whatever the
// listener names, inbound listeners are marked, and the try-it mails name an outbound listener and
// say what the configured action does (with quarantine, "stopped" was not what the operator saw).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { banner } from '../../src/cli/serve.ts';
import type { Gateway } from '../../src/gateway/index.ts';

function gw(listeners: Gateway['listeners'], capture = true): Gateway {
  return { listeners, capture: capture ? { host: '127.0.0.1', port: 1 } : undefined, upstreamReachable: async () => true, close: async () => {} };
}
const policy = (outbound: string, inbound = 'redact') => ({ outbound: { action: outbound }, inbound: { action: inbound } }) as never;
const listener = (name: string, direction: 'outbound' | 'inbound') => ({ name, direction }) as never;

test('default: the layout the README shows, two spaces after the longest label', () => {
  const out = banner({ data_dir: 'var', listeners: [listener('outbound', 'outbound')], policy: policy('reject') }, { cwd: '/srv' }, gw([{ name: 'outbound', host: '127.0.0.1', port: 2525 }]), 'http://127.0.0.1:8025');
  assert.match(out, /^ {2}SMTP \(outbound\): {2}127\.0\.0\.1:2525$/m);
  assert.match(out, /^ {2}Dashboard: {8}http:\/\/127\.0\.0\.1:8025$/m);
  assert.match(out, /^ {2}Data folder: {6}\/srv\/var$/m);
  assert.match(out, /^ {2}Upstream: {9}the embedded capture mailbox \(see "Delivered" in the dashboard\)$/m);
  assert.match(out, /Try it \(the second mail has a CPR number in the subject: refused with 550\):/);
});

test('several listeners: values in one column, inbound marked, try-it on the outbound listener with the quarantine outcome', () => {
  const out = banner(
    { data_dir: '/d', listeners: [listener('inbound', 'inbound'), listener('outbound', 'outbound'), listener('webform-intern', 'outbound')], policy: policy('quarantine') },
    { cwd: '/' },
    gw([{ name: 'inbound', host: '127.0.0.1', port: 2526 }, { name: 'outbound', host: '::1', port: 2525 }, { name: 'webform-intern', host: '127.0.0.1', port: 2527 }], false),
    'http://127.0.0.1:8025',
  );
  const valueColumns = out.split('\n').filter((l) => /^ {2}\S.*: +\S/.test(l) && !l.startsWith('  swaks')).map((l) => /^ {2}.*?: +/.exec(l)![0].length);
  assert.equal(new Set(valueColumns).size, 1, `aligned: ${out}`);
  assert.match(out, /SMTP \(inbound\): +127\.0\.0\.1:2526 \(inbound\)$/m);
  assert.doesNotMatch(out, /Upstream:/);
  assert.match(out, /swaks --server \[::1\]:2525 /);
  assert.match(out, /held in quarantine; the sender gets a notice/);
});
