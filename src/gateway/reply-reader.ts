// Reads one SMTP reply from a stream for the front door: a new session's greeting, or its answer to
// XCLIENT. No I/O of its own beyond the stream given. Protects relay authorisation: only a 220 counts
// as accepted (a session XCLIENT did not re-address would keep the trusted 127.0.0.1).
import type { Duplex } from 'node:stream';

/** how a reply read by ReplyReader is named in errors (the greeting, or the answer to XCLIENT) */
export interface ReplyLabels {
  refused: string;
  closed: string;
  slow: string;
}
export const GREETING: ReplyLabels = { refused: 'backend greeting', closed: 'backend closed before its greeting', slow: 'backend did not greet in time' };
export const XCLIENT_REPLY: ReplyLabels = { refused: 'backend refused XCLIENT', closed: 'backend closed before answering XCLIENT', slow: 'backend did not answer XCLIENT in time' };

/**
 * Reads one reply from a session's door end: a 220 greeting or the 220 answer to XCLIENT; the reply
 * ends with the line whose fourth character is a space (RFC 5321 §4.2.1). Bounded in size, and in
 * time when `timeoutMs` is given. A class with bound methods, not closures: it runs twice per client
 * connection, and under tsx every named closure also costs a defineProperty (esbuild keepNames).
 */
export class ReplyReader {
  private seen: Buffer = Buffer.alloc(0);
  private timer: NodeJS.Timeout | null = null;
  private readonly onData: (chunk: Buffer) => void;
  private readonly onGone: () => void;

  constructor(
    private readonly from: Duplex,
    private readonly labels: ReplyLabels,
    private readonly resolve: (reply: Buffer) => void,
    private readonly reject: (err: Error) => void,
    timeoutMs: number,
  ) {
    this.onData = this.data.bind(this);
    this.onGone = this.gone.bind(this);
    from.on('data', this.onData);
    from.once('end', this.onGone);
    from.once('close', this.onGone);
    if (timeoutMs > 0) this.timer = setTimeout(readerTimedOut, timeoutMs, this);
  }

  private data(chunk: Buffer): void {
    this.seen = this.seen.length === 0 ? chunk : Buffer.concat([this.seen, chunk]);
    const text = this.seen.toString('latin1');
    const last = text.slice(text.lastIndexOf('\n', text.length - 2) + 1);
    if (!text.endsWith('\n') || (last.length > 3 && last[3] !== ' ')) {
      if (this.seen.length > 4096) this.done(new Error(`${this.labels.refused}: reply too long`));
      return;
    }
    if (last.startsWith('220 ')) this.done(null);
    else this.done(new Error(`${this.labels.refused}: ${last.slice(0, 80).trim()}`));
  }

  private gone(): void {
    this.done(new Error(`${this.labels.closed}: ${this.seen.toString('latin1').slice(0, 80).trim()}`));
  }

  timedOut(): void {
    this.done(new Error(this.labels.slow));
  }

  private done(err: Error | null): void {
    if (this.timer) clearTimeout(this.timer);
    this.from.off('data', this.onData);
    this.from.off('end', this.onGone);
    this.from.off('close', this.onGone);
    this.from.pause();
    if (err) this.reject(err);
    else this.resolve(this.seen);
  }
}

function readerTimedOut(r: ReplyReader): void {
  r.timedOut();
}
