// Shared test helpers for the gateway: a LoadedConfig without files, a started gateway on port 0
// with the fake store, swaks as a child process, and a silent logger that records lines.
// I/O: spawns swaks; listeners on 127.0.0.1 port 0, closed by the caller's stop().
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../src/config/schema.ts';
import type { LoadedConfig } from '../../src/config/load.ts';
import { startGateway, type Gateway } from '../../src/gateway/index.ts';
import type { UpstreamRoute } from '../../src/gateway/upstream.ts';
import { FakeStore } from '../support/fake-store.ts';
import type { NotifySettings } from '../../src/gateway/records.ts';

export function testConfig(over: Record<string, unknown> = {}, upstream = 'capture'): LoadedConfig {
  const config = configSchema.parse({
    // one folder per test process: the development TLS certificate is generated into it on first use
    data_dir: join(tmpdir(), `postvagt-test-${process.pid}`),
    listeners: [{ name: 'outbound', listen: '127.0.0.1:0', direction: 'outbound', tls: { starttls: false }, ...(over.listener as object) }],
    upstreams: { default: { url: upstream, ...(over.upstream as object) } },
    ...(over.config as object),
  });
  return { config, file: null, hmacKey: Buffer.alloc(32, 7), quarantineKey: Buffer.alloc(32, 9) };
}

export interface LogLine {
  level: string;
  obj: Record<string, unknown>;
}

export function recordingLogger(): { lines: LogLine[]; info: (o: object) => void; warn: (o: object) => void; error: (o: object) => void } {
  const lines: LogLine[] = [];
  const at = (level: string) => (o: object) => void lines.push({ level, obj: o as Record<string, unknown> });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

export interface Running {
  gw: Gateway;
  store: FakeStore;
  port: number;
  logs: LogLine[];
  /** the gateway's notify settings (for a notice worker started by the test) */
  notify: NotifySettings;
  stop(): Promise<void>;
}

export async function startTestGateway(p: { upstreamPort?: number; over?: Record<string, unknown>; store?: FakeStore; routes?: Map<string, UpstreamRoute>; authenticate?: (u: string, p: string) => Promise<boolean> } = {}): Promise<Running> {
  const store = p.store ?? new FakeStore();
  const loaded = testConfig(p.over ?? {}, p.upstreamPort === undefined ? 'capture' : `smtp://127.0.0.1:${p.upstreamPort}`);
  const logger = recordingLogger();
  const gw = await startGateway({ loaded, store, logger, noticeWorker: false, routes: p.routes, authenticate: p.authenticate });
  const notify = { ...loaded.config.notify, publicUrl: loaded.config.web.public_url };
  return { gw, store, port: gw.listeners[0].port, logs: logger.lines, notify, stop: () => gw.close({ graceMs: 2000 }) };
}

export interface SwaksResult {
  code: number | null;
  stdout: string;
}

/** run swaks against the gateway; the transcript is on stdout ("<~ 550 ..." lines are server replies) */
export function swaks(port: number, args: string[], timeoutMs = 20_000): Promise<SwaksResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('swaks', ['--server', `127.0.0.1:${port}`, '--helo', 'client.test', '--timeout', '15', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: out });
    });
  });
}

/** the last server reply line in a swaks transcript that starts with `code` */
export function replyLine(transcript: string, code: RegExp): string | undefined {
  return transcript
    .split('\n')
    .filter((l) => l.startsWith('<~') || l.startsWith('<**') || l.startsWith('<-'))
    .map((l) => l.replace(/^<\S*\s+/, ''))
    .reverse()
    .find((l) => code.test(l));
}

/** a tiny smtp-server upstream that records each mail (and refuses `refuse` at RCPT with 550 5.1.1) */
export async function recordingUpstream(refuse?: string): Promise<{ port: number; got: { from: string; rcpt: string[]; raw: string }[]; close(): Promise<void> }> {
  const { SMTPServer } = await import('smtp-server');
  const got: { from: string; rcpt: string[]; raw: string }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(addr, _s, cb) {
      if (addr.address === refuse) return cb(Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 }));
      cb();
    },
    onData(stream, s, cb) {
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => {
        const from = s.envelope.mailFrom ? s.envelope.mailFrom.address : '';
        got.push({ from, rcpt: s.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(parts).toString('latin1') });
        cb(null, 'Ok: queued');
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.server.once('listening', r));
  const port = (server.server.address() as { port: number }).port;
  return { port, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}
