// One SMTP listener: smtp-server (ESMTP with SIZE, 8BITMIME, PIPELINING, SMTPUTF8, STARTTLS) behind
// the front door, on in-memory pipes (it listens on no socket of its own), its hooks in hooks.ts, and
// the graceful close. I/O: the public TCP listener. Protects invariant 1 at shutdown: DATA in flight
// finishes, new transactions get 421 4.3.2.
import type net from 'node:net';
import { randomBytes } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import type { ListenerConfig } from '../config/schema.ts';
import type { TxContext } from './transaction.ts';
import type { UpstreamRoute } from './upstream.ts';
import type { TlsMaterial } from './tls.ts';
import { startFrontDoor } from './front-door.ts';
import { ListenerHooks } from './hooks.ts';
import { PvError } from '../errors.ts';
import { replyMessage, shuttingDownReply } from '../notify/replies.ts';

/**
 * warm sessions per listener (at most max_connections): each refill waits smtp-server's 100 ms, so this
 * bounds new connections to ~10×WARM per second. A warm session is ~8 KiB of heap and no descriptor
 * (an in-memory pipe); at 64 one-mail-per-connection senders were capped at ~600 mails/s.
 */
const WARM_SESSIONS = 256;
/** after our own grace period (close() below), sessions still open get 421 4.3.2 within this */
const CLOSE_IDLE_MS = 1000;

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

/**
 * Session ids (the first part of each decision's id): 50 random bits drawn once per process, then a
 * counter, so ids stay unique across restarts and sessions without a random draw per connection.
 */
const SESSION_PREFIX = (randomBytes(8).readBigUInt64BE(0) >> 14n).toString(32).padStart(10, '0');
let sessionCounter = 0;

export function nextSessionId(): string {
  return SESSION_PREFIX + (sessionCounter++).toString(32).padStart(6, '0');
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
    // only the front door's warm sessions (in-memory pipes that say 127.0.0.1) may pass on the
    // client's address; smtp-server listens on no socket, so nobody else can reach a session unaddressed
    useXClient: ['127.0.0.1'],
    // DSN parameters (RFC 3461) are not passed upstream, so they are not offered
    hideDSN: true,
    socketTimeout: l.socket_timeout_ms,
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
  server.on('error', (err: Error) => {
    ctx.logger.warn({ event: 'smtp.error', listener: l.name, err: err.message });
  });
  const { host, port } = hostPort(l.listen);
  let door: Awaited<ReturnType<typeof startFrontDoor>>;
  try {
    door = await startFrontDoor({
      host,
      port,
      // public smtp-server API: a session on any socket-like stream, addressed as given (and named:
      // without an id smtp-server draws 10 random bytes per session, ~20 µs of a new connection)
      openSession: (session, a) => server.connect(session as unknown as net.Socket, { ...a, id: nextSessionId() }),
      warm: Math.min(WARM_SESSIONS, l.max_connections),
      maxClients: l.max_connections,
      onError: (err) => {
        if (!hooks.closing) ctx.logger.warn({ event: 'smtp.error', listener: l.name, err: err.message });
      },
    });
  } catch (err) {
    // the public address is taken or not ours: say which listener and address, and what to do
    throw listenError(`SMTP listener '${l.name}'`, l.listen, err, 'choose another with --listen HOST:PORT or in the configuration');
  }
  return {
    name: l.name,
    host,
    port: door.port,
    inFlight: () => hooks.dataInFlight,
    close: async (graceMs) => {
      // First our hooks answer new MAIL/connections with 421 4.3.2 while DATA in flight finishes,
      // then the front door stops accepting and every session still open gets 421 (RFC 5321 §3.8).
      hooks.closing = true;
      const until = Date.now() + graceMs;
      while (hooks.dataInFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      // resolves once every client connection has closed, which a session closing brings about
      const doorClosed = door.close();
      let idle: NodeJS.Timeout | undefined;
      await Promise.race([doorClosed, new Promise((r) => (idle = setTimeout(r, CLOSE_IDLE_MS)))]);
      clearTimeout(idle);
      // smtp-server's own close() would do this only for sessions on its TCP listener; ours are on
      // pipes, so the public per-session send(421) does it (it closes the session after the reply)
      const bye = replyMessage(shuttingDownReply());
      for (const session of [...server.connections]) session.send(421, bye);
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
