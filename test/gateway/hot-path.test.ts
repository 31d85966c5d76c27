// The per-message fast paths keep their guarantees: a hook body that finishes synchronously is
// answered at once and exactly once (Refusal, bug → 451 + fault), and the upstream client's one
// watchdog timer still fails a reply that does not come within timeoutMs, while a connection whose
// every reply comes in time lives on. I/O: a scripted SMTP server on 127.0.0.1:0.
// Protects invariant 5 (no hook hangs or fails open) and the upstream timeout (→ 4xx, never a wait forever).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { runHook, Refusal } from '../../src/gateway/adapter.ts';
import { SmtpClient, UpstreamError } from '../../src/gateway/smtp-client.ts';
import { nextSessionId } from '../../src/gateway/ingress.ts';

const FAULT_REPLY = { code: 451, enhanced: '4.3.0', text: 'Temporary failure. Case PV-20261129-ABCDEF' };

test('adapter: a synchronous body is answered before runHook returns, once; a synchronous Refusal and bug likewise', async () => {
  const calls: [Error | null | undefined, string | undefined][] = [];
  const faults: unknown[] = [];
  const fault = async (err: unknown) => (faults.push(err), FAULT_REPLY);
  runHook('mail', 1000, fault, (e, m) => calls.push([e, m]), () => undefined);
  assert.deepEqual(calls, [[null, undefined]], 'void: smtp-server default reply, synchronously');
  runHook('mail', 1000, fault, (e, m) => calls.push([e, m]), () => ({ code: 250, enhanced: '2.1.0', text: 'Ok' }));
  assert.equal(calls[1][1], '2.1.0 Ok');
  runHook('mail', 1000, fault, (e, m) => calls.push([e, m]), () => {
    throw new Refusal({ code: 421, enhanced: '4.3.2', text: 'closing' });
  });
  assert.equal((calls[2][0] as Error & { responseCode: number }).responseCode, 421);
  assert.equal(faults.length, 0);
  let answered = 0;
  const bug = new Promise<Error>((resolve) =>
    runHook('mail', 1000, fault, (e) => (answered++, resolve(e as Error)), () => {
      throw new TypeError('boom');
    }),
  );
  const err = await bug;
  assert.equal((err as Error & { responseCode: number }).responseCode, 451);
  assert.match(err.message, /PV-20261129-ABCDEF/);
  assert.ok(faults[0] instanceof TypeError);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(answered, 1);
});

test('session ids: unique and of smtp-server\'s own length', () => {
  const ids = new Set(Array.from({ length: 1000 }, () => nextSessionId()));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^[0-9a-v]{16}$/);
});

/** answers every command after `delayMs`, except commands matching `silent`, which it never answers */
async function slowServer(delayMs: number, silent: RegExp): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.write('220 t ESMTP\r\n');
    s.on('data', (d: Buffer) => {
      for (const line of d.toString('latin1').split('\r\n').filter(Boolean)) {
        if (silent.test(line)) continue;
        setTimeout(() => s.destroyed || s.write(/^EHLO/i.test(line) ? '250 t\r\n' : '250 2.0.0 ok\r\n'), delayMs);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as net.AddressInfo).port, close: () => (sockets.forEach((s) => s.destroy()), server.close()) };
}

test('SMTP client: the reply deadline runs from each command (four slow replies outlast one timeout), and a missing reply times out', async () => {
  const srv = await slowServer(300, /^NOOP/i);
  const c = await SmtpClient.open({ host: '127.0.0.1', port: srv.port, heloName: 'gw.test', timeoutMs: 800, requireTls: false, verifyCertificates: false });
  try {
    // 4 × 300 ms > 800 ms: a deadline fixed at the first command would fail the third or fourth
    for (let i = 0; i < 4; i++) assert.equal((await c.command('RSET')).code, 250);
    assert.equal(c.reusable, true);
    await assert.rejects(c.command('NOOP'), (e: unknown) => e instanceof UpstreamError && e.kind === 'timeout');
    assert.equal(c.usable, false);
  } finally {
    c.close();
    srv.close();
  }
});
