// One upstream route: a small pool of SMTP connections and the per-transaction relay on top of it.
// I/O: SMTP to the next hop. Protects invariant 1 and per-recipient truth: every MAIL/RCPT/end-of-data
// reply is the upstream's own, returned to the caller to mirror; nothing is answered on its behalf.
import { SmtpClient, UpstreamError, type ClientOptions, type Reply } from './smtp-client.ts';
import { DotStuffer } from './body.ts';

export interface MailParams {
  size?: number;
  eightBit?: boolean;
  smtpUtf8?: boolean;
}

export interface UpstreamTx {
  /** the upstream's reply to MAIL FROM (2xx when the transaction is open) */
  readonly mailReply: Reply;
  /** the reply to the first recipient, when begin() was given one (sent pipelined with MAIL) */
  readonly firstRcptReply: Reply | null;
  rcpt(to: string): Promise<Reply>;
  /**
   * Send DATA now, while the client's header block is still arriving, so the upstream's 354 round
   * trip is off the critical path. After it, abort() drops the connection (see abort).
   */
  startData(): void;
  /**
   * DATA: send `head` (header block, maybe rewritten) and `rest`, then stream `body`, dot-stuffed.
   * `beforeCommit` runs after the last body byte and before the final dot; if it throws, the
   * connection is dropped without the dot, so the upstream discards the mail (RFC 5321 §4.1.1.4).
   */
  data(head: Buffer, rest: Buffer, body: AsyncIterable<Buffer>, beforeCommit: () => Promise<void>): Promise<Reply>;
  /**
   * abandon the transaction: RSET and back to the pool when the connection is idle; while a command
   * still awaits its reply, the connection is dropped instead (an RSET then would read that reply)
   */
  abort(): Promise<void>;
}

export interface UpstreamRoute {
  readonly name: string;
  /** MAIL FROM (and the first RCPT TO, pipelined per RFC 2920 when the upstream offers it) */
  begin(sender: string, params: MailParams, firstRcpt?: string): Promise<UpstreamTx>;
  reachable(): Promise<boolean>;
  close(): Promise<void>;
}

// An idle pooled connection is closed after this long; upstream MTAs drop idle clients themselves
// (Postfix smtpd after 300 s), and a reused socket the server has closed costs one retry.
const IDLE_MS = 10_000;

export class PooledRoute implements UpstreamRoute {
  readonly name: string;
  private idle: { client: SmtpClient; timer: NodeJS.Timeout }[] = [];
  private active = 0;
  private waiting: (() => void)[] = [];
  private closed = false;

  constructor(name: string, private readonly opts: ClientOptions & { maxConnections: number }) {
    this.name = name;
  }

  private async acquire(): Promise<{ client: SmtpClient; reused: boolean }> {
    while (this.active >= this.opts.maxConnections) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    while (this.idle.length > 0) {
      const { client, timer } = this.idle.pop()!;
      clearTimeout(timer);
      if (client.reusable) return { client, reused: true };
      client.close();
    }
    try {
      return { client: await SmtpClient.open(this.opts), reused: false };
    } catch (err) {
      this.release(null);
      throw err;
    }
  }

  /** give a connection back; one that is not reusable is closed (an unfinished DATA is then discarded) */
  release(client: SmtpClient | null, reusable = false): void {
    this.active--;
    if (client && reusable && client.reusable && !this.closed) {
      const timer = setTimeout(() => {
        this.idle = this.idle.filter((e) => e.client !== client);
        void client.quit();
      }, IDLE_MS);
      timer.unref();
      this.idle.push({ client, timer });
    } else client?.close();
    this.waiting.shift()?.();
  }

  async begin(sender: string, params: MailParams, firstRcpt?: string): Promise<UpstreamTx> {
    for (let attempt = 0; ; attempt++) {
      const { client, reused } = await this.acquire();
      try {
        const mail = mailCommand(client, sender, params);
        let reply: Reply;
        let rcpt: Reply | null = null;
        if (firstRcpt !== undefined && client.extensions.has('PIPELINING')) {
          // one round trip instead of two; a refused MAIL makes the RCPT fail too (RFC 2920 §3.1)
          [reply, rcpt] = await client.pipeline([mail, `RCPT TO:<${firstRcpt}>`]);
        } else {
          reply = await client.command(mail);
          if (firstRcpt !== undefined && reply.code < 300) rcpt = await client.command(`RCPT TO:<${firstRcpt}>`);
        }
        const tx = new Tx(this, client, reply, rcpt);
        if (reply.code >= 300) await tx.abort();
        return tx;
      } catch (err) {
        this.release(client, false);
        // A pooled connection the upstream closed while idle: one fresh try is safe, nothing was sent.
        if (reused && attempt === 0 && err instanceof UpstreamError) continue;
        throw err;
      }
    }
  }

  async reachable(): Promise<boolean> {
    try {
      const c = await SmtpClient.open({ ...this.opts, timeoutMs: Math.min(this.opts.timeoutMs, 5000) });
      await c.quit();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const idle = this.idle;
    this.idle = [];
    await Promise.all(idle.map(({ client, timer }) => (clearTimeout(timer), client.quit())));
  }
}

/** MAIL FROM with only the parameters the upstream advertised (RFC 1870 SIZE, RFC 6152, RFC 6531). */
export function mailCommand(client: { extensions: Map<string, string> }, sender: string, p: MailParams): string {
  let cmd = `MAIL FROM:<${sender}>`;
  if (p.size !== undefined && client.extensions.has('SIZE')) cmd += ` SIZE=${p.size}`;
  if (p.eightBit && client.extensions.has('8BITMIME')) cmd += ' BODY=8BITMIME';
  if (p.smtpUtf8 && client.extensions.has('SMTPUTF8')) cmd += ' SMTPUTF8';
  return cmd;
}

class Tx implements UpstreamTx {
  private done = false;
  /** a command sent whose reply has not been read yet: abort() must not send RSET behind it */
  private busy = false;
  /** the upstream's answer to an early DATA (startData) */
  private go: Promise<Reply> | null = null;
  constructor(
    private readonly route: PooledRoute,
    private readonly client: SmtpClient,
    readonly mailReply: Reply,
    readonly firstRcptReply: Reply | null,
  ) {}

  async rcpt(to: string): Promise<Reply> {
    if (this.done) throw new UpstreamError('closed', 'upstream transaction already ended');
    if (this.busy) throw new UpstreamError('protocol', 'RCPT while another upstream command is in flight');
    this.busy = true;
    try {
      return await this.client.command(`RCPT TO:<${to}>`);
    } catch (err) {
      this.finish(false);
      throw err;
    } finally {
      this.busy = false;
    }
  }

  startData(): void {
    if (this.done || this.go) return;
    this.go = this.client.command('DATA');
    // a failure surfaces in data(); abort() never awaits it
    this.go.catch(() => undefined);
  }

  async data(head: Buffer, rest: Buffer, body: AsyncIterable<Buffer>, beforeCommit: () => Promise<void>): Promise<Reply> {
    this.busy = true;
    try {
      const go = await (this.go ?? this.client.command('DATA'));
      if (go.code !== 354) {
        // RFC 5321 §4.3.2: DATA is answered 354, 4xx or 5xx. A refusal is the upstream's to mirror;
        // anything else (a 250 above all) is a reply out of step: never a delivery (invariant 1).
        if (go.code < 400 || go.code > 599) throw new UpstreamError('protocol', `upstream answered DATA with ${go.code}, not 354`);
        this.busy = false;
        this.go = null;
        await this.abort();
        return go;
      }
      const stuffer = new DotStuffer();
      // corked: a small message goes out as one segment with its terminator, not four
      this.client.cork();
      await this.client.write(stuffer.push(head));
      await this.client.write(stuffer.push(rest));
      for await (const chunk of body) await this.client.write(stuffer.push(chunk));
      await beforeCommit();
      await this.client.write(stuffer.end());
      const reply = await this.client.read();
      this.finish(true);
      return reply;
    } catch (err) {
      this.finish(false);
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (this.done) return;
    if (this.go || this.busy) {
      // A command awaits its reply: an RSET now would take that reply as its own and leave the
      // RSET's reply queued for the next transaction. Drop the connection instead.
      // DATA was sent: an RSET now would be message text. Dropping the connection before the final
      // dot makes the upstream discard the transaction (RFC 5321 §4.1.1.4); the pool opens another.
      this.finish(false);
      return;
    }
    this.busy = true;
    try {
      const r = await this.client.command('RSET');
      this.finish(r.code === 250);
    } catch {
      this.finish(false);
    }
  }

  private finish(reusable: boolean): void {
    if (this.done) return;
    this.done = true;
    this.route.release(this.client, reusable);
  }
}

export type { Reply };
