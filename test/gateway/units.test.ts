// Pure parts of the gateway from tables and properties: header-block end, chunked header split,
// dot-stuffing across chunk borders, relay networks (IPv4, IPv6, mapped), the hook adapter's
// guard/deadline/fault paths, reply mirroring and SMTP reply parsing. No network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { DotStuffer, headerEnd, readHeaderBlock } from '../../src/gateway/body.ts';
import { relayCheck } from '../../src/gateway/relay-auth.ts';
import { runHook, Refusal, type HookSignal } from '../../src/gateway/adapter.ts';
import { mirror } from '../../src/gateway/transaction.ts';
import { parseReplyLines } from '../../src/gateway/smtp-client.ts';
import { mailCommand } from '../../src/gateway/upstream.ts';

test('headerEnd: where the blank line starts (CRLF, bare LF, none, empty header block)', () => {
  const cases: [string, number][] = [
    ['Subject: a\r\n\r\nbody', 12],
    ['Subject: a\n\nbody', 11],
    ['Subject: a\r\n folded\r\n\r\n', 21],
    ['\r\nbody only', 0],
    ['Subject: a\r\nFrom: b\r\n', -1],
    ['Subject: a\r\n\r', -1],
  ];
  for (const [input, want] of cases) assert.equal(headerEnd(Buffer.from(input)), want, JSON.stringify(input));
});

test('readHeaderBlock: the same split whatever the chunking; over the limit → overflow', async () => {
  const msg = Buffer.from('Subject: hello\r\nX-A: 1\r\n\r\nbody\r\nmore\r\n');
  for (let size = 1; size <= msg.length; size++) {
    const s = new PassThrough();
    const done = readHeaderBlock(s, 1000);
    for (let i = 0; i < msg.length; i += size) s.write(msg.subarray(i, i + size));
    s.end();
    const r = await done;
    assert.equal(r.header.toString(), 'Subject: hello\r\nX-A: 1\r\n', `chunk size ${size}`);
    assert.ok(Buffer.concat([r.header, r.rest]).toString().startsWith(msg.toString().slice(0, r.header.length + r.rest.length)));
  }
  const s = new PassThrough();
  s.end(Buffer.from(`Subject: ${'x'.repeat(200)}\r\n\r\n`));
  assert.equal((await readHeaderBlock(s, 100)).overflow, true);
});

/** RFC 5321 §4.5.2 receiver side: remove one leading dot from each line */
function unstuff(wire: string): string {
  return wire.replace(/(^|\n)\./g, '$1');
}

test('DotStuffer: stuffing then unstuffing gives back the message, for any chunking (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom('.', '..', 'a', '\r\n', '\n', '.\r\n', 'x.y'), { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), (parts, size) => {
      const msg = parts.join('');
      const st = new DotStuffer();
      let wire = '';
      for (let i = 0; i < msg.length; i += size) wire += st.push(Buffer.from(msg.slice(i, i + size))).toString();
      assert.equal(unstuff(wire), msg);
      assert.ok(!/(^|\n)\.(\r?\n|$)/.test(wire), 'no line that is a lone dot before the terminator');
      const end = st.end().toString();
      assert.ok((wire + end).endsWith('\r\n.\r\n') || (wire === '' && end === '.\r\n') || (wire + end).endsWith('\n.\r\n'));
    }),
  );
});

test('relay networks: IPv4, IPv6, IPv4-mapped IPv6, AUTH, and nothing when nothing is configured', () => {
  const check = relayCheck({ networks: ['10.0.0.0/8', '192.168.1.0/24', '2001:db8::/32'], auth: true });
  const table: [string, boolean, boolean][] = [
    ['10.1.2.3', false, true],
    ['11.0.0.1', false, false],
    ['192.168.1.77', false, true],
    ['192.168.2.1', false, false],
    ['::ffff:10.9.9.9', false, true],
    ['2001:db8::25', false, true],
    ['2001:db9::25', false, false],
    ['203.0.113.5', true, true],
    ['not-an-ip', false, false],
  ];
  for (const [address, authenticated, want] of table) assert.equal(check({ address, authenticated }), want, address);
  const closed = relayCheck({ networks: [], auth: false });
  assert.equal(closed({ address: '127.0.0.1', authenticated: true }), false);
  assert.throws(() => relayCheck({ networks: ['10.0.0.0/33'], auth: false }));
});

function hook(body: (signal: HookSignal) => Promise<unknown>, deadline = 1000): Promise<{ calls: [Error | null | undefined, string | undefined][]; faults: unknown[] }> {
  const calls: [Error | null | undefined, string | undefined][] = [];
  const faults: unknown[] = [];
  return new Promise((resolve) => {
    runHook(
      'test',
      deadline,
      async (err) => {
        faults.push(err);
        return { code: 451, enhanced: '4.3.0', text: 'Temporary failure. Case PV-20261129-ABCDEF' };
      },
      (err, msg) => {
        calls.push([err, msg]);
        setTimeout(() => resolve({ calls, faults }), 80);
      },
      body as (signal: HookSignal) => Promise<void>,
    );
  });
}

test('adapter: a Refusal answers with its reply; a bug fails closed to 451 4.3.0 with a recorded fault', async () => {
  const refused = await hook(async () => {
    throw new Refusal({ code: 550, enhanced: '5.7.1', text: 'no' });
  });
  assert.equal(refused.calls.length, 1);
  assert.equal(refused.calls[0][0]?.message, '5.7.1 no');
  assert.equal((refused.calls[0][0] as Error & { responseCode: number }).responseCode, 550);
  assert.equal(refused.faults.length, 0);
  const bug = await hook(async () => {
    throw new TypeError('boom');
  });
  assert.equal(bug.calls.length, 1);
  assert.equal((bug.calls[0][0] as Error & { responseCode: number }).responseCode, 451);
  assert.match(bug.calls[0][0]!.message, /^4\.3\.0 .*PV-20261129-ABCDEF/);
  assert.ok(bug.faults[0] instanceof TypeError);
});

test('adapter: a hook past its deadline answers 451 once and its body sees the abort; the late result is ignored', async () => {
  let aborted = false;
  const r = await hook(
    (signal) =>
      new Promise((resolve) => {
        assert.equal(signal.aborted, false);
        setTimeout(() => {
          aborted = signal.aborted && (signal.reason as Error).name === 'DeadlineExceeded';
          resolve({ code: 250, enhanced: '2.0.0', text: 'late' });
        }, 60);
      }),
    20,
  );
  assert.equal(r.calls.length, 1, 'callback exactly once');
  assert.equal((r.calls[0][0] as Error & { responseCode: number }).responseCode, 451);
  assert.equal(r.faults[0] instanceof Error && r.faults[0].name, 'DeadlineExceeded');
  assert.ok(aborted);
});

test('mirror: upstream replies passed on; a wrong-class enhanced code is replaced; digits masked', () => {
  const mask = (s: string) => s.replace(/\d{6}-\d{4}/g, 'XXXXXX-XXXX');
  assert.deepEqual(mirror({ code: 550, enhanced: '5.1.1', text: 'No such user' }, mask), { code: 550, enhanced: '5.1.1', text: 'No such user' });
  assert.deepEqual(mirror({ code: 452, enhanced: '5.2.2', text: 'full' }, mask), { code: 452, enhanced: '4.0.0', text: 'full' });
  assert.equal(mirror({ code: 554, enhanced: '', text: 'bad 220754-0181' }, mask).text, 'bad XXXXXX-XXXX');
  assert.equal(mirror({ code: 354, enhanced: '', text: 'go' }, mask).code, 451);
});

test('SMTP client: multi-line replies and MAIL parameters only as advertised', () => {
  assert.deepEqual(parseReplyLines(['250-first', '250 2.1.0 second']), { code: 250, enhanced: '', text: 'first second' });
  assert.deepEqual(parseReplyLines(['550 5.7.1 Refused']), { code: 550, enhanced: '5.7.1', text: 'Refused' });
  const ext = new Map([['SIZE', '1000'], ['8BITMIME', '']]);
  assert.equal(mailCommand({ extensions: ext }, 'a@b', { size: 10, eightBit: true, smtpUtf8: true }), 'MAIL FROM:<a@b> SIZE=10 BODY=8BITMIME');
  assert.equal(mailCommand({ extensions: new Map() }, '', { size: 10 }), 'MAIL FROM:<>');
});

test('listener TLS: configured PEM files are used; production without them is a config error, never a generated certificate', async () => {
  const { listenerTls, developmentCertificate } = await import('../../src/gateway/tls.ts');
  const { configSchema } = await import('../../src/config/schema.ts');
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'pv-tls-'));
  const dev = await developmentCertificate(dir);
  await writeFile(join(dir, 'c.pem'), dev.cert);
  await writeFile(join(dir, 'k.pem'), dev.key);
  const listener = (tls: object) => configSchema.parse({ listeners: [{ name: 'o', listen: '127.0.0.1:2525', direction: 'outbound', tls }] }).listeners[0];
  const files = await listenerTls(listener({ cert_file: join(dir, 'c.pem'), key_file: join(dir, 'k.pem') }), 'production', dir);
  assert.equal(files?.generated, false);
  assert.equal(files?.cert.toString(), dev.cert.toString());
  await assert.rejects(listenerTls(listener({}), 'production', dir), { code: 'PV_CONFIG_INVALID' });
  await assert.rejects(listenerTls(listener({ cert_file: join(dir, 'c.pem') }), 'development', dir), { code: 'PV_CONFIG_INVALID' });
  await assert.rejects(listenerTls(listener({ cert_file: join(dir, 'nope.pem'), key_file: join(dir, 'k.pem') }), 'production', dir), { code: 'PV_CONFIG_UNREADABLE' });
  assert.equal(await listenerTls(listener({ starttls: false }), 'production', dir), null);
  const again = await developmentCertificate(dir);
  assert.equal(again.cert.toString(), dev.cert.toString(), 'generated once per data folder, then reused');
});

test('adapter: a hook that ignores its signal still answers 451 once at its deadline; a later bug adds no second fault', async () => {
  const calls: (Error | null | undefined)[] = [];
  const faults: unknown[] = [];
  await new Promise<void>((resolve) => {
    runHook(
      'mail',
      20,
      async (err) => (faults.push(err), { code: 451, enhanced: '4.3.0', text: 'Temporary failure. Case PV-20261129-ABCDEF' }),
      (err) => (calls.push(err), setTimeout(resolve, 80)),
      (signal) => new Promise((_r, reject) => (assert.equal(signal.aborted, false), setTimeout(() => reject(new TypeError('late bug')), 40))),
    );
  });
  assert.equal(calls.length, 1);
  assert.equal((calls[0] as Error & { responseCode: number }).responseCode, 451);
  assert.equal(faults.length, 1);
  assert.equal((faults[0] as Error).name, 'DeadlineExceeded');
});

test('relay check: the remembered answer per address is the same on every call; AUTH still decides per call', () => {
  const check = relayCheck({ networks: ['10.0.0.0/8'], auth: true });
  for (let i = 0; i < 3; i++) {
    assert.equal(check({ address: '10.1.2.3', authenticated: false }), true);
    assert.equal(check({ address: '192.0.2.1', authenticated: false }), false);
    assert.equal(check({ address: '192.0.2.1', authenticated: true }), true);
    assert.equal(check({ address: 'not-an-ip', authenticated: false }), false);
  }
});
