// Gateway benchmark (npm run bench:gateway): Postfix's smtp-source → Postvagt → smtp-sink against
// smtp-source → smtp-sink directly, in one run, and through a plain Node.js byte pipe (the floor for
// any relay written in Node.js); per-message added latency; RSS while relaying 50 MB.
// I/O: loopback only (127.0.0.1), child processes smtp-source/smtp-sink, a temp data folder. Bounded.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../src/config/schema.ts';
import type { LoadedConfig } from '../src/config/load.ts';
import { openStore } from '../src/store/open.ts';
import { startGateway } from '../src/gateway/index.ts';
import { FakeStore } from '../test/support/fake-store.ts';
import { SmtpClient } from '../src/gateway/smtp-client.ts';
import { DotStuffer } from '../src/gateway/body.ts';
import { freePort } from '../test/support/postfix.ts';

const silent = { info() {}, warn() {}, error() {} };
const CHILD = fileURLToPath(new URL('../test/e2e/fixtures/gateway-child.ts', import.meta.url));

/** smtp-sink with a listen backlog big enough for 32 sessions reconnecting per message */
async function sinkOn(port: number): Promise<{ stop(): void }> {
  const child = spawn('smtp-sink', ['-u', 'postfix', `127.0.0.1:${port}`, '1024'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { stop: () => void child.kill('SIGTERM') };
}

function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${cmd} exited ${code}: ${err.trim().slice(0, 300)}`));
      else resolve(Number(process.hrtime.bigint() - t0) / 1e9);
    });
  });
}

/**
 * messages/second for one smtp-source run, and this process's CPU time per message (user+system,
 * µs): the gateway runs in this process, so for a run through Postvagt that is the gateway's cost
 * per message — a figure far less sensitive to the other load on a shared machine than msg/s
 */
async function throughput(port: number, sessions: number, perSession: number): Promise<{ rate: number; cpuUs: number }> {
  const msgs = Math.max(1000, sessions * (perSession === 1 ? 60 : 5 * 12));
  const args = ['-s', String(sessions), '-m', String(msgs), '-l', '2048', '-f', 'bench@kommune.example', '-t', 'to@example.org'];
  if (perSession > 1) args.unshift('-d');
  const cpu0 = process.cpuUsage();
  const secs = await run('smtp-source', [...args, `127.0.0.1:${port}`]);
  const cpu = process.cpuUsage(cpu0);
  return { rate: msgs / secs, cpuUs: (cpu.user + cpu.system) / msgs };
}

/** per-message time from MAIL to the end-of-data reply on one connection, milliseconds */
async function latencies(port: number, n: number): Promise<number[]> {
  const c = await SmtpClient.open({ host: '127.0.0.1', port, heloName: 'bench', timeoutMs: 10_000, requireTls: false, verifyCertificates: false });
  const msg = Buffer.from(`Subject: latency probe\r\nFrom: a@kommune.example\r\nTo: b@example.org\r\n\r\n${'x'.repeat(70)}\r\n`.repeat(1).padEnd(2048, 'y') + '\r\n');
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await c.command('MAIL FROM:<a@kommune.example>');
    await c.command('RCPT TO:<b@example.org>');
    await c.command('DATA');
    const s = new DotStuffer();
    await c.write(Buffer.concat([s.push(msg), s.end()]));
    const r = await c.read();
    if (r.code !== 250) throw new Error(`latency probe got ${r.code} ${r.text}`);
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await c.quit();
  return out.sort((a, b) => a - b);
}

/**
 * The floor for any Node.js relay: a process that only pipes bytes between the client and smtp-sink
 * (no SMTP parsing, no policy, no store). Each SMTP round trip still crosses it, as it crosses the
 * gateway, so its rate bounds what a relay written in Node.js can reach on this machine.
 */
async function pipeProxy(upstreamPort: number): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer({ noDelay: true }, (client) => {
    const up = net.connect({ host: '127.0.0.1', port: upstreamPort, noDelay: true });
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
    client.pipe(up);
    up.pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function relayOnce(port: number, mb: number): Promise<void> {
  const c = await SmtpClient.open({ host: '127.0.0.1', port, heloName: 'bench', timeoutMs: 60_000, requireTls: false, verifyCertificates: false });
  await c.command('MAIL FROM:<a@kommune.example>');
  await c.command('RCPT TO:<b@example.org>');
  await c.command('DATA');
  await c.write('Subject: big attachment\r\nFrom: a@kommune.example\r\n\r\n');
  const chunk = Buffer.from(`${'QUJD'.repeat(19)}\r\n`.repeat(1024)); // ~78 KiB of base64-like lines
  for (let sent = 0; sent < mb * 1_000_000; sent += chunk.length) await c.write(chunk);
  await c.write('.\r\n');
  const r = await c.read();
  await c.quit();
  if (r.code !== 250) throw new Error(`${mb} MB relay got ${r.code} ${r.text}`);
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // the process is gone; the caller reports the relay's own error
  }
}

/**
 * RSS of a gateway in its own process while it relays a message of `mb` MiB (streamed by this
 * process), twice in a row: the first large message in a fresh process also grows V8's young
 * generation once; the second shows whether memory grows with the message itself.
 */
async function rssWhileRelaying(sinkPort: number, mb: number): Promise<{ before: number; peak: number; after: number }[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, String(sinkPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const { port } = JSON.parse(line.toString()) as { port: number };
    // warm-up: JIT, buffer pools and heap sizing for ordinary mail
    await relayOnce(port, 5);
    const rounds: { before: number; peak: number; after: number }[] = [];
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setTimeout(r, 300));
      const before = rssOf(child.pid!);
      let peak = before;
      const timer = setInterval(() => (peak = Math.max(peak, rssOf(child.pid!))), 20);
      try {
        await relayOnce(port, mb);
      } finally {
        clearInterval(timer);
      }
      rounds.push({ before, peak, after: rssOf(child.pid!) });
    }
    return rounds;
  } finally {
    child.kill('SIGKILL');
  }
}

async function memoryLine(sinkPort: number, mb: number): Promise<void> {
  const mib = (x: number) => (x / 1048576).toFixed(1);
  const [first, second] = await rssWhileRelaying(sinkPort, mb);
  for (const [name, m] of [['first', first], ['second', second]] as const) {
    console.log(`RSS of the gateway process while relaying a ${mb} MB message (${name} in the process): before ${mib(m.before)} MiB, peak ${mib(m.peak)} MiB (growth ${mib(m.peak - m.before)} MiB), after ${mib(m.after)} MiB`);
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pv-bench-'));
  const sink = { port: await freePort(), stop: () => undefined as void };
  sink.stop = (await sinkOn(sink.port)).stop;
  const config = configSchema.parse({
    data_dir: dir,
    listeners: [{ name: 'outbound', listen: '127.0.0.1:0', direction: 'outbound', tls: { starttls: false }, max_connections: 500 }],
    upstreams: { default: { url: `smtp://127.0.0.1:${sink.port}`, max_connections: 64 } },
  });
  const loaded: LoadedConfig = { config, file: null, hmacKey: Buffer.alloc(32, 1), quarantineKey: Buffer.alloc(32, 2) };
  const store = await openStore(loaded);
  const gw = await startGateway({ loaded, store, logger: silent, noticeWorker: false });
  const port = gw.listeners[0].port;
  try {
    await new Promise((r) => setTimeout(r, 500)); // let the warm sessions fill
    console.log('Postvagt gateway benchmark — loopback, 2 KB messages, SQLite store (WAL; pass rows NORMAL, the rest FULL), smtp-sink upstream');
    console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    // warm-up: JIT, prepared statements and buffer pools, so the first row does not pay for them
    await throughput(port, 8, 5);
    const pipe = await pipeProxy(sink.port);
    console.log('sessions  msgs/session  direct msg/s  node pipe msg/s  postvagt msg/s  postvagt/direct  pipe/direct  postvagt/pipe  postvagt CPU µs/msg');
    // PV_BENCH_ONLY=rss skips to the memory measurement (PV_BENCH_MB sets its size, default 50);
    // PV_BENCH_ONLY=throughput stops after the throughput table
    for (const perSession of process.env.PV_BENCH_ONLY === 'rss' ? [] : [5, 1]) {
      for (const sessions of [1, 8, 32]) {
        const direct = await throughput(sink.port, sessions, perSession);
        const piped = await throughput(pipe.port, sessions, perSession);
        const via = await throughput(port, sessions, perSession);
        const cols = [
          String(sessions).padStart(8),
          String(perSession === 5 ? '5+' : '1').padStart(12),
          direct.rate.toFixed(0).padStart(12),
          piped.rate.toFixed(0).padStart(15),
          via.rate.toFixed(0).padStart(14),
          (via.rate / direct.rate).toFixed(2).padStart(15),
          (piped.rate / direct.rate).toFixed(2).padStart(11),
          (via.rate / piped.rate).toFixed(2).padStart(13),
          via.cpuUs.toFixed(0).padStart(19),
        ];
        console.log(cols.join('  '));
      }
    }
    await pipe.close();
    const mbs = Number(process.env.PV_BENCH_MB ?? 50);
    if (process.env.PV_BENCH_ONLY === 'throughput') return;
    if (process.env.PV_BENCH_ONLY === 'rss') return void (await memoryLine(sink.port, mbs));
    const d = await latencies(sink.port, 300);
    const v = await latencies(port, 300);
    console.log(`latency per message (MAIL..end-of-data reply, 300 sequential): direct p50 ${pct(d, 50).toFixed(2)} ms p99 ${pct(d, 99).toFixed(2)} ms; via Postvagt p50 ${pct(v, 50).toFixed(2)} ms p99 ${pct(v, 99).toFixed(2)} ms; added p99 ${(pct(v, 99) - pct(d, 99)).toFixed(2)} ms`);
    const mem = new FakeStore();
    const gw2 = await startGateway({ loaded, store: mem, logger: silent, noticeWorker: false });
    const f = await latencies(gw2.listeners[0].port, 300);
    await gw2.close({ graceMs: 500 });
    console.log(`  same with an in-memory store (no fsync): via Postvagt p50 ${pct(f, 50).toFixed(2)} ms p99 ${pct(f, 99).toFixed(2)} ms; added p99 ${(pct(f, 99) - pct(d, 99)).toFixed(2)} ms`);
    await memoryLine(sink.port, mbs);
  } finally {
    await gw.close({ graceMs: 1000 });
    await store.close();
    sink.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
