// The listener's front door: accepts client TCP connections and hands each one to an smtp-server
// session that has already been greeted, using Postfix's XCLIENT (smtp-server's documented
// `useXClient` option) to pass on the real client address. I/O: the public listener only; sessions
// run on in-memory pipes (session-pipe.ts). Protects relay authorisation (see the end of this note).
//
// Why: smtp-server 3.21 waits a fixed 100 ms before every greeting (an early-talker check in
// SMTPConnection.init(), no option turns it off). With one message per connection that caps a client
// connection at ~10 sessions/s. Patching the private method would break silently on any upgrade; a
// pool of sessions that already waited their 100 ms uses only public, documented surface
// (SMTPServer.connect() on a socket-like stream, XCLIENT). The XCLIENT reply is smtp-server's own 220
// greeting, which the client receives as its greeting. Sessions see the client's address, never the
// pipe's 127.0.0.1: no socket exists on which anyone else could send XCLIENT, and a client cannot send
// it itself (smtp-server refuses XCLIENT once ADDR was set).
import net from 'node:net';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { normaliseAddress } from './relay-auth.ts';
import { sessionPipe, type PipeAddress, type PipeEnd } from './session-pipe.ts';
import { GREETING, ReplyReader, XCLIENT_REPLY } from './reply-reader.ts';

export interface FrontDoor {
  host: string;
  port: number;
  /** stop accepting and drop the warm sessions; resolves when every client connection has closed */
  close(): Promise<void>;
}

export interface FrontDoorOptions {
  host: string;
  port: number;
  /** start an smtp-server session on this end of a pipe (SMTPServer.connect) */
  openSession: (session: PipeEnd, addr: PipeAddress) => void;
  /** warm sessions kept ready; each refill waits smtp-server's 100 ms, so this bounds connections/s */
  warm: number;
  maxClients: number;
  onError?: (err: Error) => void;
}

/** what a warm session looks like to smtp-server until XCLIENT re-addresses it (useXClient trusts it) */
const WARM_ADDRESS: PipeAddress = { remoteAddress: '127.0.0.1', remotePort: 0, localAddress: '127.0.0.1', localPort: 0 };
/** after the session closed, how long the client may take to read its last reply and close its side */
const CLIENT_LINGER_MS = 1000;

/** start a session and consume its greeting; resolves with the door end, paused, ready for XCLIENT */
function openWarm(open: FrontDoorOptions['openSession']): Promise<PipeEnd> {
  return new Promise((resolve, reject) => {
    const { session, door } = sessionPipe(WARM_ADDRESS);
    // a client byte piped in after the session ended is a write after end(): drop, never throw
    door.on('error', dropEnd);
    new ReplyReader(door, GREETING, () => resolve(door), (err) => (door.destroy(), reject(err)), 0);
    try {
      open(session, WARM_ADDRESS);
    } catch (err) {
      door.destroy();
      reject(err as Error);
    }
  });
}

function dropEnd(this: PipeEnd): void {
  this.destroy();
}

function noop(): void {}

interface Warm {
  door: PipeEnd;
  /** the session spoke or ended while waiting (idle-timeout 421, shutdown): it leaves the pool */
  gone: () => void;
}

/** sessions that already waited smtp-server's 100 ms and sent their greeting, ready for XCLIENT */
class WarmPool {
  private readonly ready: Warm[] = [];
  private pending = 0;
  private closed = false;

  constructor(private readonly o: FrontDoorOptions) {}

  fill(): void {
    while (!this.closed && this.ready.length + this.pending < this.o.warm) {
      this.pending++;
      openWarm(this.o.openSession).then(
        (door) => {
          this.pending--;
          if (this.closed) return void door.destroy();
          this.add(door);
        },
        (err: Error) => {
          this.pending--;
          this.o.onError?.(err);
          if (!this.closed) setTimeout(() => this.fill(), 1000).unref();
        },
      );
    }
  }

  private add(door: PipeEnd): void {
    const w: Warm = { door, gone: noop };
    // bound, not a closure property (tsx names those with a defineProperty each)
    w.gone = this.leave.bind(this, w);
    // a waiting session says nothing until XCLIENT: anything it sends is its goodbye
    door.on('data', w.gone);
    door.on('end', w.gone);
    door.resume();
    this.ready.push(w);
  }

  private leave(w: Warm): void {
    const i = this.ready.indexOf(w);
    if (i !== -1) this.ready.splice(i, 1);
    w.door.destroy();
    if (i !== -1) setImmediate(() => this.fill());
  }

  /** a warm session's door end, paused, or a new one when none is ready (that one waits its 100 ms) */
  take(): Promise<PipeEnd> {
    let w = this.ready.shift();
    // no age limit: a session smtp-server times out says 421 into its pipe, and 'data' takes it out
    // of the pool at once; XCLIENT's write then restarts the idle timer of the one taken
    while (w && w.door.destroyed) {
      w.door.destroy();
      w = this.ready.shift();
    }
    this.fill();
    if (!w) return openWarm(this.o.openSession);
    w.door.off('data', w.gone);
    w.door.off('end', w.gone);
    w.door.pause();
    return Promise.resolve(w.door);
  }

  close(): void {
    this.closed = true;
    for (const w of this.ready.splice(0)) w.door.destroy();
  }
}

export async function startFrontDoor(o: FrontDoorOptions): Promise<FrontDoor> {
  const pool = new WarmPool(o);
  let active = 0;
  const server = net.createServer({ noDelay: true }, (client) => {
    client.on('error', () => client.destroy());
    if (active >= o.maxClients) {
      // RFC 5321 §3.8: 421 and close when the service cannot take the session
      client.end('421 4.3.2 Postvagt: too many connections, try again later\r\n');
      return;
    }
    active++;
    client.once('close', () => active--);
    handOver(client, () => pool.take(), o.onError);
  });
  server.listen(o.port, o.host);
  await once(server, 'listening');
  pool.fill();
  const addr = server.address() as net.AddressInfo;
  return {
    host: o.host,
    port: addr.port,
    close: async () => {
      pool.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function refuse(client: net.Socket, err: Error, onError?: (err: Error) => void): void {
  onError?.(err);
  client.end('421 4.3.0 Postvagt: temporarily unable to serve, try again later\r\n');
}

function handOver(client: net.Socket, take: () => Promise<PipeEnd>, onError?: (err: Error) => void): void {
  client.pause();
  take().then((door) => {
    if (client.destroyed) return void door.destroy();
    const n = normaliseAddress(client.remoteAddress ?? '');
    if (!n) return void (door.destroy(), client.destroy());
    // Postfix XCLIENT_README: IPv6 addresses carry the "IPV6:" prefix.
    const addr = n.family === 'ipv6' ? `IPV6:${n.address}` : n.address;
    xclient(door, `XCLIENT ADDR=${addr} PORT=${client.remotePort ?? 0}\r\n`).then(
      (greeting) => {
        if (client.destroyed) return void door.destroy();
        client.write(greeting);
        splice(client, door);
      },
      (err: Error) => {
        // fail closed: a session XCLIENT did not re-address would keep the pipe's 127.0.0.1,
        // which the default relay networks trust
        door.destroy();
        refuse(client, err, onError);
      },
    );
  }, (err: Error) => refuse(client, err, onError));
}

/**
 * Join the client's socket and the session's pipe for the rest of the session. pipe() carries the
 * backpressure both ways (a client that stops reading stalls the session's replies, and a session
 * that stops reading stalls the socket) and turns EOF on one side into end() on the other.
 */
function splice(client: net.Socket, door: PipeEnd): void {
  // the client is gone (reset, error, or closed): the session must learn now, mid-DATA too, so the
  // transaction is aborted rather than left waiting for input (destroying the door end resets it)
  client.once('close', () => door.destroy());
  // the session closed (QUIT, 421, idle timeout): pipe() ends the client after the last reply, and
  // once that reply is with the kernel ('finish') the socket is closed. Waiting for the client's FIN
  // instead gains nothing: a client that quits without reading the 221 (Postfix's default
  // smtp_skip_quit_response, smtp-source) resets the connection, and Node builds an error with a
  // source-mapped stack for that reset (~30 µs per connection under tsx). A client that does not
  // read its last reply does not keep the descriptor either.
  door.once('close', () => {
    if (client.writableFinished) return void client.destroy();
    client.once('finish', () => client.destroy());
    const cut = setTimeout(() => client.destroy(), CLIENT_LINGER_MS);
    cut.unref();
    client.once('close', () => clearTimeout(cut));
  });
  door.pipe(client);
  client.pipe(door);
}

// smtp-server answers an accepted XCLIENT with a fresh 220 greeting (Postfix XCLIENT_README); anything
// else means the session still carries the proxy's address. Bounded in time and size.
const XCLIENT_TIMEOUT_MS = 10_000;

/** send XCLIENT and resolve with the backend's whole reply when it is a 220; reject otherwise */
export function xclient(backend: Duplex, command: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    new ReplyReader(backend, XCLIENT_REPLY, resolve, reject, XCLIENT_TIMEOUT_MS);
    backend.resume();
    backend.write(command);
  });
}
