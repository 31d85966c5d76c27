// One SMTP listener: smtp-server (ESMTP with SIZE, 8BITMIME, PIPELINING, SMTPUTF8, STARTTLS) on
// loopback behind the front door, its hooks in hooks.ts, and the graceful close. I/O: TCP listeners.
// Protects invariant 1 at shutdown: DATA in flight finishes, new transactions get 421 4.3.2.
import { SMTPServer } from 'smtp-server';
import { once } from 'node:events';
import type { ListenerConfig } from '../config/schema.ts';
import type { TxContext } from './transaction.ts';
import type { UpstreamRoute } from './upstream.ts';
import type { TlsMaterial } from './tls.ts';
import { startFrontDoor } from './front-door.ts';
import { ListenerHooks } from './hooks.ts';
import { PvError } from '../errors.ts';

/** warm sessions per listener: each refill waits smtp-server's 100 ms, so ~10×WARM new connections/s */
const WARM_SESSIONS = 64;

export interface Listener {
  name: string;
  host: string;
  port: number;
  /** transactions in flight (DATA running) */
  inFlight(): number;
  /** stop accepting; new commands get 421 4.3.2; resolves when every connection has closed */
  close(graceMs: number): Promise<void>;
}

export interface ListenerDeps {
  ctx: TxContext;
  route: UpstreamRoute;
  tls: TlsMaterial | null;
  authenticate?: (user: string, pass: string) => Promise<boolean>;
}

function hostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

export async function startListener(l: ListenerConfig, deps: ListenerDeps): Promise<Listener> {
  const { ctx } = deps;
  const hooks = new ListenerHooks(l, ctx, deps.route);
  const server = new SMTPServer({
    name: l.name,
    banner: 'Postvagt',
    size: l.max_message_size,
    // the front door enforces max_connections; warm sessions are extra, idle and local
    maxClients: l.max_connections + WARM_SESSIONS,
    // only the front door (loopback) may pass on the client's address (see front-door.ts)
    useXClient: ['127.0.0.1'],
    // DSN parameters (RFC 3461) are not passed upstream, so they are not offered
    hideDSN: true,
    socketTimeout: l.socket_timeout_ms,
    // after our own grace period (close() below) idle clients get 421 within a second
    closeTimeout: 1000,
    disableReverseLookup: true,
    hideSTARTTLS: deps.tls === null,
    ...(deps.tls ? { key: deps.tls.key, cert: deps.tls.cert } : {}),
    authOptional: true,
    disabledCommands: deps.authenticate && l.relay.auth ? [] : ['AUTH'],
    // smtp-server's own enhanced codes are off (its default); Postvagt writes them (STYLE 4).
    hideENHANCEDSTATUSCODES: true,
    logger: false,
    onConnect: (session, cb) => hooks.onConnect(session, cb),
    onAuth(auth, _session, callback) {
      const check = deps.authenticate;
      if (!check || auth.method === 'XOAUTH2') return callback(Object.assign(new Error('5.7.8 Authentication failed'), { responseCode: 535 }));
      check(auth.username ?? '', auth.password ?? '').then(
        (ok) => callback(ok ? null : Object.assign(new Error('5.7.8 Authentication failed'), { responseCode: 535 }), ok ? { user: auth.username } : undefined),
        () => callback(Object.assign(new Error('4.3.0 Authentication temporarily unavailable'), { responseCode: 454 })),
      );
    },
    onMailFrom: (address, session, cb) => hooks.onMailFrom(address, session, cb),
    onRcptTo: (address, session, cb) => hooks.onRcptTo(address, session, cb),
    onData: (stream, session, cb) => hooks.onData(stream, session, cb),
    onClose: (session) => hooks.endTx(session.id),
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    // while closing, the front door drops its warm sessions: their resets are expected, not news
    if (hooks.closing && err.code === 'ECONNRESET') return;
    ctx.logger.warn({ event: 'smtp.error', listener: l.name, err: err.message });
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const addr = server.server.address();
  if (addr === null || typeof addr === 'string') throw new Error(`listener ${l.name} did not bind`);
  const { host, port } = hostPort(l.listen);
  let door: Awaited<ReturnType<typeof startFrontDoor>>;
  try {
    door = await startFrontDoor({
      host,
      port,
      backendPort: addr.port,
      warm: Math.min(WARM_SESSIONS, l.max_connections),
      maxClients: l.max_connections,
      maxWarmAgeMs: l.socket_timeout_ms / 2,
      onError: (err) => {
        if (!hooks.closing) ctx.logger.warn({ event: 'smtp.error', listener: l.name, err: err.message });
      },
    });
  } catch (err) {
    // the public address is taken or not ours: stop the backend too, or the process would linger
    // half-started; say which listener and address, and what to do
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw listenError(`SMTP listener '${l.name}'`, l.listen, err, 'choose another with --listen HOST:PORT or in the configuration');
  }
  return {
    name: l.name,
    host,
    port: door.port,
    inFlight: () => hooks.dataInFlight,
    close: async (graceMs) => {
      // First our hooks answer new MAIL/connections with 421 4.3.2 while DATA in flight finishes,
      // then smtp-server stops listening and closes idle sessions with 421.
      hooks.closing = true;
      const until = Date.now() + graceMs;
      while (hooks.dataInFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      // smtp-server's close ends the backend sessions, which tears down the piped client sockets,
      // which lets the front door's own close finish: start both, then wait for both
      const doorClosed = door.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await doorClosed;
    },
  };
}

/** A bind failure as a message an operator can act on (EADDRINUSE, EACCES, EADDRNOTAVAIL). */
export function listenError(what: string, address: string, err: unknown, hint = ''): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'EADDRINUSE' ? 'the address is already in use (is another Postvagt or mail server running there?)'
    : code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)'
    : code === 'EADDRNOTAVAIL' ? 'this machine has no such address'
    : (err as Error).message;
  return new PvError('PV_LISTEN_FAILED', `${what} cannot listen on ${address}: ${why}${hint ? `; ${hint}` : ''}`, { cause: err });
}
