// An in-memory socket pair for one smtp-server session: the session end is what SMTPServer.connect()
// gets (socket-like: addresses, an idle timeout, readyState), the door end is what the front door pumps
// to and from the client's TCP socket. I/O: none — no syscalls, which is its point. Protects the close
// semantics a session relies on: EOF only after the last byte written, and a reset when the client is gone.
import { Duplex } from 'node:stream';

export interface PipeAddress {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

/** one end of the pair; what the other end writes is read here, in order, with backpressure */
export class PipeEnd extends Duplex {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteFamily: string;
  /** the other end; set once by sessionPipe() */
  peer!: PipeEnd;
  /** true: destroying this end destroys the peer at once (the client is gone, like a TCP RST);
   *  false: the peer gets EOF after what is already in its buffer (a session's last reply still goes out) */
  private readonly resetsPeer: boolean;
  /** a write the peer had no room for: its callback waits for the peer's next read (backpressure) */
  private held: (() => void) | null = null;
  /** EOF was pushed into the peer: nothing more may be pushed (ERR_STREAM_PUSH_AFTER_EOF) */
  private eofSent = false;
  private idle: NodeJS.Timeout | null = null;
  private idleMs = 0;
  private lastActive = 0;

  constructor(addr: PipeAddress, resetsPeer: boolean) {
    // RFC 5321 has no half-closed sessions: EOF from one side closes the other (as net.Server's default)
    super({ allowHalfOpen: false });
    this.remoteAddress = addr.remoteAddress;
    this.remotePort = addr.remotePort;
    this.localAddress = addr.localAddress;
    this.localPort = addr.localPort;
    this.remoteFamily = addr.remoteAddress.includes(':') ? 'IPv6' : 'IPv4';
    this.resetsPeer = resetsPeer;
  }

  /** as net.Socket#readyState: smtp-server writes a reply only while this is 'open' */
  get readyState(): 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    return this.writable ? 'writeOnly' : 'closed';
  }

  /**
   * net.Socket#setTimeout: 'timeout' after ms without reads or writes on this end; every call re-arms
   * it (smtp-server arms it once per idle period); 0 turns it off. Like net, it never closes anything,
   * and activity after it fired arms it again.
   */
  setTimeout(ms: number, callback?: () => void): this {
    if (callback) {
      if (ms === 0) this.off('timeout', callback);
      else this.once('timeout', callback);
    }
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    this.idleMs = ms > 0 ? ms : 0;
    this.lastActive = Date.now();
    if (this.idleMs > 0 && !this.destroyed) this.arm(this.idleMs);
    return this;
  }

  private arm(delay: number): void {
    this.idle = setTimeout(() => this.onIdle(), delay);
    this.idle.unref();
  }

  /** the timer runs once per period; activity only moves lastActive (no timer work per chunk) */
  private onIdle(): void {
    this.idle = null;
    if (this.destroyed) return;
    const left = this.lastActive + this.idleMs - Date.now();
    if (left > 0) return this.arm(left);
    this.emit('timeout');
  }

  /** there is no Nagle buffer in memory: every write is delivered at once */
  setNoDelay(_noDelay?: boolean): this {
    return this;
  }

  setKeepAlive(_enable?: boolean, _delay?: number): this {
    return this;
  }

  address(): { address: string; family: string; port: number } {
    return { address: this.localAddress, family: this.localAddress.includes(':') ? 'IPv6' : 'IPv4', port: this.localPort };
  }

  /** activity on this end: push the idle deadline back (a fired timer is armed again, as net does) */
  private touch(): void {
    if (this.idleMs === 0) return;
    this.lastActive = Date.now();
    if (this.idle === null && !this.destroyed) this.arm(this.idleMs);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.touch();
    const peer = this.peer;
    // the peer is gone: the bytes go nowhere, as on a socket whose peer has closed
    if (this.eofSent || peer.destroyed) return callback();
    peer.touch();
    if (peer.push(chunk)) callback();
    else this.held = callback;
  }

  override _read(): void {
    this.peer.release();
  }

  /** let a held write of this end complete (the peer read, or can no longer read) */
  private release(): void {
    const held = this.held;
    this.held = null;
    held?.();
  }

  private sendEof(): void {
    if (this.eofSent || this.peer.destroyed) return;
    this.eofSent = true;
    this.peer.push(null);
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.sendEof();
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    this.idleMs = 0;
    // writes in either direction can never be read now: let their writers go on
    this.release();
    this.peer.release();
    if (this.resetsPeer) this.peer.destroy();
    else this.sendEof();
    callback(err);
  }
}

export interface SessionPipe {
  /** for SMTPServer.connect(): it reads the client's bytes and writes replies */
  session: PipeEnd;
  /** for the front door: what it writes the session reads, and the other way round */
  door: PipeEnd;
}

/**
 * A connected pair. `addr` is what the session sees (remote = the client side). The door end resets
 * the session when destroyed (client gone: the session must see 'close' now, mid-DATA too); the
 * session end, ended or destroyed, gives the door EOF after its last reply.
 */
export function sessionPipe(addr: PipeAddress): SessionPipe {
  const session = new PipeEnd(addr, false);
  const door = new PipeEnd(
    { remoteAddress: addr.localAddress, remotePort: addr.localPort, localAddress: addr.remoteAddress, localPort: addr.remotePort },
    true,
  );
  session.peer = door;
  door.peer = session;
  return { session, door };
}
