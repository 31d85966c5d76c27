// The listener's front door: accepts client TCP connections and hands each one to an smtp-server
// session that has already been greeted, using Postfix's XCLIENT (smtp-server's documented
// `useXClient` option) to pass on the real client address. I/O: the public listener + loopback sockets.
//
// Why: smtp-server 3.21 waits a fixed 100 ms before every greeting (an early-talker check in
// SMTPConnection.init(), no option turns it off). With one message per connection that caps a client
// connection at ~10 sessions/s. Patching the private method would break silently on any upgrade; a
// pool of sessions that already waited their 100 ms uses only public, documented surface. The
// XCLIENT reply is smtp-server's own 220 greeting, which the client receives as its greeting.
// Protects relay authorisation: sessions see the client's address, never the proxy's, and a client
// cannot send XCLIENT itself (smtp-server refuses a second ADDR, and only loopback may use it).
import net from 'node:net';
import { once } from 'node:events';
import { normaliseAddress } from './relay-auth.ts';

export interface FrontDoor {
  host: string;
  port: number;
  /** stop accepting; connections already handed over stay until the backend closes them */
  close(): Promise<void>;
}

export interface FrontDoorOptions {
  host: string;
  port: number;
  backendPort: number;
  /** warm sessions kept ready; each refill waits smtp-server's 100 ms, so this bounds connections/s */
  warm: number;
  maxClients: number;
  /** a warm session older than this is not handed out: smtp-server's idle timeout may be closing it */
  maxWarmAgeMs: number;
  onError?: (err: Error) => void;
}

/** connect to the backend and consume its greeting; resolves once the session is ready for XCLIENT */
function openWarm(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.setNoDelay(true);
    let seen = '';
    const fail = (err: Error) => (s.destroy(), reject(err));
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (!seen.includes('\n')) return;
      s.off('data', onData);
      s.off('error', fail);
      s.pause();
      if (seen.startsWith('220 ') && seen.endsWith('\n')) resolve(s);
      else fail(new Error(`backend greeting: ${seen.slice(0, 80).trim()}`));
    };
    s.on('data', onData);
    s.on('error', fail);
  });
}

export async function startFrontDoor(o: FrontDoorOptions): Promise<FrontDoor> {
  const ready: net.Socket[] = [];
  const born = new WeakMap<net.Socket, number>();
  let pending = 0;
  let active = 0;
  let closed = false;

  const fill = () => {
    while (!closed && ready.length + pending < o.warm) {
      pending++;
      openWarm(o.backendPort).then(
        (s) => {
          pending--;
          if (closed) return void s.destroy();
          born.set(s, Date.now());
          ready.push(s);
          // smtp-server closes idle sessions after socket_timeout; drop them from the pool then
          s.once('close', () => {
            const i = ready.indexOf(s);
            if (i !== -1) ready.splice(i, 1);
            if (i !== -1) setImmediate(fill);
          });
        },
        (err: Error) => {
          pending--;
          o.onError?.(err);
          if (!closed) setTimeout(fill, 1000).unref();
        },
      );
    }
  };

  const take = async (): Promise<net.Socket> => {
    let s = ready.shift();
    while (s && (s.destroyed || Date.now() - (born.get(s) ?? 0) > o.maxWarmAgeMs)) {
      s.destroy();
      s = ready.shift();
    }
    fill();
    return s ?? openWarm(o.backendPort);
  };

  const server = net.createServer({ noDelay: true }, (client) => {
    client.on('error', () => client.destroy());
    if (active >= o.maxClients) {
      // RFC 5321 §3.8: 421 and close when the service cannot take the session
      client.end('421 4.3.2 Postvagt: too many connections, try again later\r\n');
      return;
    }
    active++;
    client.once('close', () => active--);
    handOver(client, take, o.onError);
  });
  server.listen(o.port, o.host);
  await once(server, 'listening');
  fill();
  const addr = server.address() as net.AddressInfo;
  return {
    host: o.host,
    port: addr.port,
    close: async () => {
      closed = true;
      for (const s of ready.splice(0)) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function handOver(client: net.Socket, take: () => Promise<net.Socket>, onError?: (err: Error) => void): void {
  client.pause();
  // a warm session smtp-server closed a moment ago (idle timeout, shutdown): take another
  const usable = async (): Promise<net.Socket> => {
    for (let i = 0; i < 3; i++) {
      const s = await take();
      if (!s.destroyed && s.readable) return s;
    }
    return take();
  };
  usable().then(
    (backend) => {
      if (client.destroyed) return void backend.destroy();
      const n = normaliseAddress(client.remoteAddress ?? '');
      if (!n) return void (backend.destroy(), client.destroy());
      // Postfix XCLIENT_README: IPv6 addresses carry the "IPV6:" prefix.
      const addr = n.family === 'ipv6' ? `IPV6:${n.address}` : n.address;
      backend.on('error', () => backend.destroy());
      xclient(backend, `XCLIENT ADDR=${addr} PORT=${client.remotePort ?? 0}\r\n`).then(
        (greeting) => {
          if (client.destroyed) return void backend.destroy();
          backend.once('close', () => client.destroy());
          client.once('close', () => backend.destroy());
          client.write(greeting);
          backend.pipe(client);
          client.pipe(backend);
          backend.resume();
          client.resume();
        },
        (err: Error) => {
          // fail closed: a session XCLIENT did not re-address would keep the proxy's 127.0.0.1,
          // which the default relay networks trust
          backend.destroy();
          onError?.(err);
          client.end('421 4.3.0 Postvagt: temporarily unable to serve, try again later\r\n');
        },
      );
    },
    (err: Error) => {
      onError?.(err);
      client.end('421 4.3.0 Postvagt: temporarily unable to serve, try again later\r\n');
    },
  );
}

// smtp-server answers an accepted XCLIENT with a fresh 220 greeting (Postfix XCLIENT_README); anything
// else means the session still carries the proxy's address. Bounded in time and size.
const XCLIENT_TIMEOUT_MS = 10_000;

/** send XCLIENT and resolve with the backend's whole reply when it is a 220; reject otherwise */
export function xclient(backend: net.Socket, command: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let seen = Buffer.alloc(0);
    const done = (err: Error | null) => {
      clearTimeout(timer);
      backend.off('data', onData);
      backend.off('close', onClose);
      backend.pause();
      if (err) reject(err);
      else resolve(seen);
    };
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const text = seen.toString('latin1');
      // RFC 5321 §4.2.1: the reply ends with the line whose fourth character is a space
      const last = text.split('\r\n').filter((l) => l.length > 0).pop() ?? '';
      if (!text.endsWith('\n') || (last.length > 3 && last[3] !== ' ')) {
        if (seen.length > 4096) done(new Error('backend XCLIENT reply too long'));
        return;
      }
      if (last.startsWith('220 ')) done(null);
      else done(new Error(`backend refused XCLIENT: ${last.slice(0, 80)}`));
    };
    const onClose = () => done(new Error('backend closed before answering XCLIENT'));
    const timer = setTimeout(() => done(new Error('backend did not answer XCLIENT in time')), XCLIENT_TIMEOUT_MS);
    backend.on('data', onData);
    backend.once('close', onClose);
    backend.resume();
    backend.write(command);
  });
}
