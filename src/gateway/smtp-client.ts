// A small RFC 5321 client for the upstream hop: one command at a time, every reply returned whole.
// I/O: one TCP (optionally STARTTLS, RFC 3207) connection. Protects invariant 1: the caller sees the
// upstream's exact reply to each MAIL, RCPT and end-of-data, so it can mirror it and never answer 250 alone.
//
// Why not nodemailer's SMTPConnection: its public API sends MAIL, every RCPT and DATA in one call, so
// a recipient refused upstream could only be reported after we had accepted it from our client. Per-
// recipient truth needs RCPT forwarded in real time, which only its private methods offer.
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';

export interface Reply {
  code: number;
  /** RFC 3463 enhanced code from the first line, '' when the server gave none */
  enhanced: string;
  /** all lines' text after the code (and enhanced code), joined with a space */
  text: string;
}

export type UpstreamErrorKind = 'connect' | 'timeout' | 'tls' | 'closed' | 'protocol';

export class UpstreamError extends Error {
  readonly kind: UpstreamErrorKind;
  constructor(kind: UpstreamErrorKind, message: string) {
    super(message);
    this.name = 'UpstreamError';
    this.kind = kind;
  }
}

export interface ClientOptions {
  host: string;
  port: number;
  heloName: string;
  timeoutMs: number;
  /** STARTTLS is always used when offered; with requireTls its absence or failure is an error */
  requireTls: boolean;
  verifyCertificates: boolean;
  ca?: string | Buffer;
}

// RFC 5321 §4.5.3.1.5: reply lines are at most 512 octets; we tolerate more but bound the buffer.
const MAX_PENDING = 64 * 1024;
const ENHANCED = /^([245]\.\d{1,3}\.\d{1,3})\s+/;

/** resolves on 'drain' or 'close', removing both listeners (a 50 MB body waits thousands of times) */
function drained(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

export function parseReplyLines(lines: string[]): Reply {
  const code = Number(lines[0].slice(0, 3));
  const texts = lines.map((l) => l.slice(4));
  const m = ENHANCED.exec(texts[0] ?? '');
  const enhanced = m ? m[1] : '';
  const text = texts.map((t) => t.replace(ENHANCED, '')).join(' ').trim();
  return { code, enhanced, text };
}

function watchdogFired(c: SmtpClient): void {
  c.checkDeadline();
}

export class SmtpClient {
  private socket: net.Socket | tls.TLSSocket;
  private pending = '';
  private lines: string[] = [];
  private queued: Reply[] = [];
  private waiter: { resolve: (r: Reply) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  readonly opts: ClientOptions;
  extensions = new Map<string, string>();
  secure = false;

  private constructor(socket: net.Socket, opts: ClientOptions) {
    this.opts = opts;
    this.socket = socket;
    this.attach(socket);
  }

  /** connect, read the greeting, EHLO, STARTTLS when offered (or required) */
  static async open(opts: ClientOptions): Promise<SmtpClient> {
    const socket = net.connect({ host: opts.host, port: opts.port });
    // Nagle + delayed ACK costs ~40-49 ms per command round trip (Haraka measured it): off.
    socket.setNoDelay(true);
    const timer = setTimeout(() => socket.destroy(new UpstreamError('timeout', 'connect timed out')), opts.timeoutMs);
    try {
      await once(socket, 'connect');
    } catch (err) {
      throw new UpstreamError('connect', `cannot connect to ${opts.host}:${opts.port}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    const client = new SmtpClient(socket, opts);
    try {
      await client.handshake();
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  private async handshake(): Promise<void> {
    const greeting = await this.read();
    if (greeting.code !== 220) throw new UpstreamError('protocol', `greeting ${greeting.code} ${greeting.text}`);
    await this.ehlo();
    if (this.extensions.has('STARTTLS')) {
      await this.startTls();
      await this.ehlo();
    } else if (this.opts.requireTls) {
      throw new UpstreamError('tls', 'upstream does not offer STARTTLS and the route requires TLS');
    }
  }

  private async ehlo(): Promise<void> {
    const r = await this.commandLines(`EHLO ${this.opts.heloName}`);
    if (r.reply.code !== 250) throw new UpstreamError('protocol', `EHLO refused: ${r.reply.code} ${r.reply.text}`);
    this.extensions = new Map();
    for (const line of r.lines.slice(1)) {
      const [kw, ...rest] = line.slice(4).trim().split(/\s+/);
      this.extensions.set(kw.toUpperCase(), rest.join(' '));
    }
  }

  private async startTls(): Promise<void> {
    const r = await this.command('STARTTLS');
    if (r.code !== 220) {
      if (this.opts.requireTls) throw new UpstreamError('tls', `STARTTLS refused: ${r.code} ${r.text}`);
      return;
    }
    const plain = this.socket as net.Socket;
    plain.removeAllListeners('data');
    const secure = tls.connect({
      socket: plain,
      servername: net.isIP(this.opts.host) ? undefined : this.opts.host,
      rejectUnauthorized: this.opts.verifyCertificates,
      ca: this.opts.ca,
    });
    try {
      await once(secure, 'secureConnect');
    } catch (err) {
      // RFC 3207 §4.1: after a failed handshake we must not fall back to plaintext on this connection.
      throw new UpstreamError('tls', `TLS handshake with upstream failed: ${(err as Error).message}`);
    }
    secure.setNoDelay(true);
    this.socket = secure;
    this.secure = true;
    this.attach(secure);
  }

  private attach(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new UpstreamError('closed', `upstream connection error: ${err.message}`)));
    socket.on('close', () => this.fail(new UpstreamError('closed', 'upstream closed the connection')));
  }

  private onData(chunk: Buffer): void {
    this.pending += chunk.toString('latin1');
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) !== -1) {
      const line = this.pending.slice(0, nl).replace(/\r$/, '');
      this.pending = this.pending.slice(nl + 1);
      this.lines.push(line);
      // RFC 5321 §4.2.1: "250-" continues, "250 " (or a bare code) ends the reply.
      if (line.length <= 3 || line[3] === ' ') {
        const lines = this.lines;
        this.lines = [];
        this.deliver(lines);
      }
    }
    if (this.pending.length > MAX_PENDING) this.fail(new UpstreamError('protocol', 'upstream reply line too long'));
  }

  private lastLines: string[] = [];
  private deliver(lines: string[]): void {
    if (!/^\d{3}$/.test(lines[lines.length - 1].slice(0, 3))) {
      this.fail(new UpstreamError('protocol', 'upstream sent a malformed reply'));
      return;
    }
    this.lastLines = lines;
    const reply = parseReplyLines(lines);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve(reply);
    } else this.queued.push(reply);
  }

  private fail(err: Error): void {
    if (!this.failure) this.failure = err;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(this.failure);
    }
    this.socket.destroy();
  }

  get usable(): boolean {
    return this.failure === null && !this.socket.destroyed;
  }

  /**
   * Fit for the next transaction: usable, nobody waiting for a reply, and no reply received that
   * nobody read. A queued reply means the replies are out of step with the commands (RFC 5321
   * §4.2: one reply per command, in order); reusing such a connection would hand a later command
   * an earlier command's answer (a stale 250 to DATA).
   */
  get reusable(): boolean {
    return this.usable && this.waiter === null && this.queued.length === 0 && this.lines.length === 0 && this.pending === '';
  }

  private corked = false;

  /** collect the following writes into one segment (one syscall) until flush() or read() */
  cork(): void {
    if (!this.corked && !this.socket.destroyed) {
      this.socket.cork();
      this.corked = true;
    }
  }

  flush(): void {
    if (this.corked) {
      this.corked = false;
      this.socket.uncork();
    }
  }

  /** the next reply, or an UpstreamError on timeout / close (timeoutMs from now, for every reply) */
  read(): Promise<Reply> {
    this.flush();
    const q = this.queued.shift();
    if (q) return Promise.resolve(q);
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) {
      // Two readers would take each other's replies; the sequence is lost, so is the connection.
      this.fail(new UpstreamError('protocol', 'two commands awaited a reply at once on one upstream connection'));
      return Promise.reject(this.failure);
    }
    this.deadline = Date.now() + this.opts.timeoutMs;
    if (this.watchdog === null) this.watch(this.opts.timeoutMs);
    return new Promise<Reply>((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /**
   * One timer per connection instead of one per reply (four replies per relayed mail): it runs once
   * per timeout period and only compares the waiting reply's deadline, which read() moves forward.
   */
  private deadline = 0;
  private watchdog: NodeJS.Timeout | null = null;

  private watch(ms: number): void {
    // unref: the socket itself keeps the process alive while a reply is awaited
    this.watchdog = setTimeout(watchdogFired, ms, this);
    this.watchdog.unref();
  }

  /** the watchdog's turn: fail a reply overdue, or wait for the current one's deadline */
  checkDeadline(): void {
    this.watchdog = null;
    if (this.waiter === null || this.failure) return;
    const left = this.deadline - Date.now();
    if (left > 0) this.watch(left);
    else this.fail(new UpstreamError('timeout', 'upstream did not answer in time'));
  }

  command(line: string): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    this.socket.write(line + '\r\n');
    return this.read();
  }

  private async commandLines(line: string): Promise<{ reply: Reply; lines: string[] }> {
    const reply = await this.command(line);
    return { reply, lines: this.lastLines };
  }

  /** write raw bytes (already dot-stuffed) honouring backpressure */
  async write(chunk: Buffer | string): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.socket.write(chunk)) {
      // a corked socket never drains: flush first, then wait (memory stays bounded for any size)
      const recork = this.corked;
      this.flush();
      await drained(this.socket);
      if (this.failure) throw this.failure;
      if (recork) this.cork();
    }
  }

  /** send several commands in one segment (RFC 2920 PIPELINING) and read their replies in order */
  async pipeline(lines: string[]): Promise<Reply[]> {
    if (this.failure) throw this.failure;
    this.socket.write(lines.map((l) => l + '\r\n').join(''));
    const out: Reply[] = [];
    for (let i = 0; i < lines.length; i++) out.push(await this.read());
    return out;
  }

  /** abandon the connection; an unfinished DATA is discarded by the upstream (RFC 5321 §4.1.1.4) */
  close(): void {
    this.failure ??= new UpstreamError('closed', 'closed by Postvagt');
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
    this.socket.destroy();
  }

  async quit(): Promise<void> {
    if (!this.usable) return;
    try {
      await this.command('QUIT');
    } catch {
      // the connection is going away either way
    }
    this.close();
  }
}
