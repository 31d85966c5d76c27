// One SMTP listener on smtp-server: ESMTP with SIZE, 8BITMIME, PIPELINING, SMTPUTF8, STARTTLS;
// relay authorisation at RCPT; RCPT forwarded to the upstream in real time; DATA through transaction.ts.
// I/O: a TCP listener. Protects per-recipient truth and invariant 5 (every hook goes through runHook).
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { once } from 'node:events';
import type { ListenerConfig } from '../config/schema.ts';
import type { SmtpReply } from '../policy/types.ts';
import { relayDeniedReply, shuttingDownReply, tempfailReply, formatReply } from '../notify/replies.ts';
import { incidentId } from '../store/ids.ts';
import { runHook, Refusal, type FaultSink } from './adapter.ts';
import { relayCheck } from './relay-auth.ts';
import { runData, mirror, upstreamFailed, type TxContext } from './transaction.ts';
import { UpstreamError, type Reply } from './smtp-client.ts';
import type { UpstreamRoute, UpstreamTx } from './upstream.ts';
import { decisionRow, incidentRow, type TxFacts } from './records.ts';
import type { TlsMaterial } from './tls.ts';
import { startFrontDoor } from './front-door.ts';
import { observeUpstreamFailure } from './observe.ts';
import { metrics } from '../web/metrics.ts';

/** warm sessions per listener: each refill waits smtp-server's 100 ms, so ~10×WARM new connections/s */
const WARM_SESSIONS = 64;

interface TxState {
  txId: string;
  arrival: Date;
  upstream: UpstreamTx | null;
  /** the upstream could not open the transaction: every RCPT gets this reply, recorded once */
  failed: SmtpReply | null;
}

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
  const { ctx, route } = deps;
  const state = new Map<string, TxState>();
  const allowed = relayCheck(l.relay);
  let closing = false;
  let dataInFlight = 0;
  const deadline = l.transaction_timeout_ms;

  const facts = (s: SMTPServerSession, t: TxState): TxFacts => ({
    txId: t.txId,
    time: t.arrival,
    listener: l.name,
    direction: l.direction,
    sender: s.envelope.mailFrom ? s.envelope.mailFrom.address : '',
    recipients: s.envelope.rcptTo.map((r) => r.address),
    size: null,
    subjectMasked: '',
  });

  const fault =
    (s: SMTPServerSession): FaultSink =>
    async (err, hook) => {
      const id = incidentId(ctx.clock());
      const reply = tempfailReply(id);
      const t = state.get(s.id);
      await t?.upstream?.abort().catch(() => undefined);
      ctx.logger.error({ event: 'tempfail', hook, incident: id, err: err instanceof Error ? err.message : String(err) });
      try {
        const f = facts(s, t ?? { txId: `${s.id}-fault`, arrival: ctx.clock(), upstream: null, failed: null });
        const inc = incidentRow(f, id, 'tempfail', formatReply(reply), []);
        inc.classification = 'systemic';
        inc.classificationReason = `Postvagt failed closed in ${hook}: ${err instanceof Error ? err.name : 'fault'}; not caused by the mail's content.`;
        await ctx.store.recordIncident(inc, decisionRow(f, 'tempfail', formatReply(reply), [], id));
      } catch (storeErr) {
        ctx.logger.error({ event: 'store.fail', incident: id, err: (storeErr as Error).message });
      }
      return reply;
    };

  const endTx = (id: string) => {
    const t = state.get(id);
    if (t?.upstream) void t.upstream.abort();
    state.delete(id);
  };

  /** MAIL (+ this first RCPT) upstream; returns the upstream's reply to the RCPT, or null on failure */
  const openUpstream = async (s: SMTPServerSession, t: TxState, rcpt: string): Promise<Reply | null> => {
    const from = s.envelope.mailFrom ? s.envelope.mailFrom.address : '';
    const args = ((s.envelope.mailFrom && s.envelope.mailFrom.args) || {}) as Record<string, string>;
    try {
      const params = { size: args.SIZE ? Number(args.SIZE) : undefined, eightBit: (args.BODY ?? '').toUpperCase() === '8BITMIME', smtpUtf8: args.SMTPUTF8 !== undefined };
      const up = await route.begin(from, params, rcpt);
      if (up.mailReply.code >= 300) {
        t.failed = mirror(up.mailReply, ctx.detector.mask);
        observeUpstreamFailure(l.name, `${String(up.mailReply.code)[0]}xx`);
        await ctx.store.recordDecision(decisionRow(facts(s, t), 'upstream-fail', formatReply(t.failed), [], null));
        return null;
      }
      t.upstream = up;
      return up.firstRcptReply;
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      t.failed = await upstreamFailed(ctx, facts(s, t), err);
      return null;
    }
  };

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
    onConnect(session, callback) {
      runHook('connect', deadline, fault(session), callback, async () => {
        if (closing) throw new Refusal(shuttingDownReply());
      });
    },
    onAuth(auth, session, callback) {
      const check = deps.authenticate;
      if (!check || auth.method === 'XOAUTH2') return callback(new Error('5.7.8 Authentication failed'));
      check(auth.username ?? '', auth.password ?? '').then(
        (ok) => callback(ok ? null : Object.assign(new Error('5.7.8 Authentication failed'), { responseCode: 535 }), ok ? { user: auth.username } : undefined),
        () => callback(Object.assign(new Error('4.3.0 Authentication temporarily unavailable'), { responseCode: 454 })),
      );
    },
    onMailFrom(_address: SMTPServerAddress, session, callback) {
      runHook('mail', deadline, fault(session), callback, async () => {
        if (closing) throw new Refusal(shuttingDownReply());
        endTx(session.id);
        state.set(session.id, { txId: `${session.id}-${session.transaction}`, arrival: ctx.clock(), upstream: null, failed: null });
      });
    },
    onRcptTo(address, session, callback) {
      runHook('rcpt', deadline, fault(session), callback, async () => {
        if (!allowed({ address: session.remoteAddress, authenticated: session.user !== undefined })) {
          ctx.logger.info({ event: 'smtp.refused', reason: 'relay denied', listener: l.name });
          throw new Refusal(relayDeniedReply());
        }
        const t = state.get(session.id);
        if (!t) throw new Error('RCPT without transaction state');
        const first = !t.upstream && !t.failed ? await openUpstream(session, t, address.address) : null;
        if (t.failed) throw new Refusal(t.failed);
        // per-recipient truth: the upstream's answer to this RCPT is ours (issue 3, item 3)
        const r = first ?? await t.upstream!.rcpt(address.address).catch(async (err: unknown) => {
          if (!(err instanceof UpstreamError)) throw err;
          t.upstream = null;
          t.failed = await upstreamFailed(ctx, facts(session, t), err);
          throw new Refusal(t.failed);
        });
        if (r.code >= 300) throw new Refusal(mirror(r, ctx.detector.mask));
      });
    },
    onData(stream, session, callback) {
      const t = state.get(session.id);
      dataInFlight++;
      const started = performance.now();
      const done = () => {
        metrics.transactionSeconds.observe({ listener: l.name }, (performance.now() - started) / 1000);
        dataInFlight--;
        state.delete(session.id);
      };
      runHook(
        'data',
        deadline,
        fault(session),
        (err, msg) => (done(), callback(err ?? null, msg)),
        async (signal) => {
          if (!t?.upstream) throw new Error('DATA without an upstream transaction');
          const up = t.upstream;
          t.upstream = null; // the data phase owns it now
          return runData(ctx, { facts: facts(session, t), arrival: t.arrival, maxHeaderSize: l.max_header_size, upstream: up, stream, signal });
        },
        () => stream.resume(),
      );
    },
    onClose(session) {
      endTx(session.id);
    },
  });
  server.on('error', (err) => ctx.logger.warn({ event: 'smtp.error', listener: l.name, err: err.message }));
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const addr = server.server.address();
  if (addr === null || typeof addr === 'string') throw new Error(`listener ${l.name} did not bind`);
  const { host, port } = hostPort(l.listen);
  const door = await startFrontDoor({
    host,
    port,
    backendPort: addr.port,
    warm: Math.min(WARM_SESSIONS, l.max_connections),
    maxClients: l.max_connections,
    maxWarmAgeMs: l.socket_timeout_ms / 2,
    onError: (err) => ctx.logger.warn({ event: 'smtp.error', listener: l.name, err: err.message }),
  });
  return {
    name: l.name,
    host,
    port: door.port,
    inFlight: () => dataInFlight,
    close: async (graceMs) => {
      // First our hooks answer new MAIL/connections with 421 4.3.2 while DATA in flight finishes,
      // then smtp-server stops listening and closes idle sessions with 421.
      closing = true;
      const until = Date.now() + graceMs;
      while (dataInFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      // smtp-server's close ends the backend sessions, which tears down the piped client sockets,
      // which lets the front door's own close finish: start both, then wait for both
      const doorClosed = door.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await doorClosed;
    },
  };
}
