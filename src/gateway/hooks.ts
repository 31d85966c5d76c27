// The smtp-server hooks of one listener, each run through runHook (STYLE 5): relay authorisation and
// real-time RCPT forwarding, the DATA phase (transaction.ts), and the fail-closed fault sink.
// I/O: upstream SMTP and the store, through the route and context given. Protects per-recipient truth,
// "no open relay" and invariant 5 (every fault → 451 4.3.0 + a systemic incident).
import type { Readable } from 'node:stream';
import type { SMTPServerAddress, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { ListenerConfig } from '../config/schema.ts';
import type { SmtpReply } from '../policy/types.ts';
import { formatReply, relayDeniedReply, shuttingDownReply, tempfailReply } from '../notify/replies.ts';
import { incidentId } from '../store/ids.ts';
import { metrics } from '../web/metrics.ts';
import { Refusal, runHook, type FaultSink, type HookCallback, type HookSignal } from './adapter.ts';
import { observeUpstreamFailure } from './observe.ts';
import { decisionRow, incidentRow, type TxFacts } from './records.ts';
import { relayCheck, type RelayCheck } from './relay-auth.ts';
import { UpstreamError, type Reply } from './smtp-client.ts';
import { mirror, runData, upstreamFailed, type TxContext } from './transaction.ts';
import { receivedField } from './rewrite.ts';
import type { UpstreamRoute, UpstreamTx } from './upstream.ts';

/** the answer to a hook whose session has already closed: nobody reads it, smtp-server needs one */
function sessionGone(): SmtpReply {
  return { code: 421, enhanced: '4.4.2', text: 'Session closed / Forbindelsen er lukket' };
}

interface TxState {
  txId: string;
  arrival: Date;
  upstream: UpstreamTx | null;
  /** the upstream could not open the transaction: every RCPT gets this reply, recorded once */
  failed: SmtpReply | null;
}

export class ListenerHooks {
  closing = false;
  dataInFlight = 0;
  private readonly state = new Map<string, TxState>();
  private readonly allowed: RelayCheck;
  private readonly deadline: number;

  constructor(
    private readonly l: ListenerConfig,
    private readonly ctx: TxContext,
    private readonly route: UpstreamRoute,
  ) {
    this.allowed = relayCheck(l.relay);
    this.deadline = l.transaction_timeout_ms;
  }

  private facts(s: SMTPServerSession, t: TxState): TxFacts {
    return {
      txId: t.txId,
      time: t.arrival,
      listener: this.l.name,
      direction: this.l.direction,
      sender: s.envelope.mailFrom ? s.envelope.mailFrom.address : '',
      recipients: s.envelope.rcptTo.map((r) => r.address),
      size: null,
      subjectMasked: '',
    };
  }

  /** the fault sink for one session: a systemic incident and the 451 4.3.0 that quotes it */
  private fault(s: SMTPServerSession): FaultSink {
    return async (err, hook) => {
      const id = incidentId(this.ctx.clock());
      const reply = tempfailReply(id);
      const t = this.state.get(s.id);
      if (t) {
        // the client was told 451 for this transaction: a begin() or RCPT still under way must not
        // carry on upstream behind that answer; later RCPTs get the same 451 (no new incident)
        t.failed ??= reply;
        const up = t.upstream;
        t.upstream = null;
        await up?.abort().catch(() => undefined);
      }
      this.ctx.logger.error({ event: 'tempfail', hook, incident: id, err: err instanceof Error ? err.message : String(err) });
      try {
        const f = this.facts(s, t ?? { txId: `${s.id}-fault`, arrival: this.ctx.clock(), upstream: null, failed: null });
        const inc = incidentRow(f, id, 'tempfail', formatReply(reply), []);
        inc.classification = 'systemic';
        inc.classificationReason = `Postvagt failed closed in ${hook}: ${err instanceof Error ? err.name : 'fault'}; not caused by the mail's content.`;
        await this.ctx.store.recordIncident(inc, decisionRow(f, 'tempfail', formatReply(reply), [], id));
      } catch (storeErr) {
        this.ctx.logger.error({ event: 'store.fail', incident: id, err: (storeErr as Error).message });
      }
      return reply;
    };
  }

  endTx(sessionId: string): void {
    const t = this.state.get(sessionId);
    if (t?.upstream) void t.upstream.abort();
    this.state.delete(sessionId);
  }

  // connect and MAIL decide synchronously (no I/O), so runHook answers them at once, with no timer
  onConnect(session: SMTPServerSession, callback: HookCallback): void {
    runHook('connect', this.deadline, this.fault(session), callback, () => {
      if (this.closing) throw new Refusal(shuttingDownReply());
    });
  }

  onMailFrom(_address: SMTPServerAddress, session: SMTPServerSession, callback: HookCallback): void {
    runHook('mail', this.deadline, this.fault(session), callback, () => {
      if (this.closing) throw new Refusal(shuttingDownReply());
      this.endTx(session.id);
      this.state.set(session.id, { txId: `${session.id}-${session.transaction}`, arrival: this.ctx.clock(), upstream: null, failed: null });
    });
  }

  onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: HookCallback): void {
    runHook('rcpt', this.deadline, this.fault(session), callback, () => this.rcpt(address.address, session));
  }

  private async rcpt(to: string, session: SMTPServerSession): Promise<void> {
    // smtp-server sets session.user to false (not undefined) after XCLIENT: test truthiness
    if (!this.allowed({ address: session.remoteAddress, authenticated: Boolean(session.user) })) {
      this.ctx.logger.info({ event: 'smtp.refused', reason: 'relay denied', listener: this.l.name });
      throw new Refusal(relayDeniedReply());
    }
    const t = this.state.get(session.id);
    if (!t) throw new Error('RCPT without transaction state');
    const first = !t.upstream && !t.failed ? await this.openUpstream(session, t, to) : null;
    if (t.failed) throw new Refusal(t.failed);
    // per-recipient truth: the upstream's answer to this RCPT is ours (issue 3, item 3)
    const r =
      first ??
      (await t.upstream!.rcpt(to).catch(async (err: unknown) => {
        if (!(err instanceof UpstreamError)) throw err;
        // the session ended meanwhile and endTx dropped the connection: nothing to record
        if (!this.current(session, t) || t.failed) throw new Refusal(t.failed ?? sessionGone());
        t.upstream = null;
        t.failed = await upstreamFailed(this.ctx, this.facts(session, t), err);
        throw new Refusal(t.failed);
      }));
    if (!this.current(session, t) || t.failed) {
      // the session closed (or the hook failed closed) while the upstream answered
      await t.upstream?.abort();
      throw new Refusal(t.failed ?? sessionGone());
    }
    if (r.code >= 300) throw new Refusal(mirror(r, this.ctx.detector.mask));
  }

  /** t is still the session's transaction (onClose or a new MAIL did not end it meanwhile) */
  private current(s: SMTPServerSession, t: TxState): boolean {
    return this.state.get(s.id) === t;
  }

  /** MAIL (+ this first RCPT) upstream; returns the upstream's reply to the RCPT, or null on failure */
  private async openUpstream(s: SMTPServerSession, t: TxState, rcpt: string): Promise<Reply | null> {
    const from = s.envelope.mailFrom ? s.envelope.mailFrom.address : '';
    const args = ((s.envelope.mailFrom && s.envelope.mailFrom.args) || {}) as Record<string, string>;
    const params = { size: args.SIZE ? Number(args.SIZE) : undefined, eightBit: (args.BODY ?? '').toUpperCase() === '8BITMIME', smtpUtf8: args.SMTPUTF8 !== undefined };
    try {
      const up = await this.route.begin(from, params, rcpt);
      if (!this.current(s, t) || t.failed) {
        // endTx or the fault sink ran while begin() was under way and saw no upstream: this pool
        // slot is ours to free, and the RCPT it carried must not stay accepted upstream
        await up.abort();
        throw new Refusal(t.failed ?? sessionGone());
      }
      if (up.mailReply.code < 300) {
        t.upstream = up;
        return up.firstRcptReply;
      }
      t.failed = mirror(up.mailReply, this.ctx.detector.mask);
      observeUpstreamFailure(this.l.name, `${String(up.mailReply.code)[0]}xx`);
      await this.ctx.store.recordDecision(decisionRow(this.facts(s, t), 'upstream-fail', formatReply(t.failed), [], null));
      return null;
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      t.failed = await upstreamFailed(this.ctx, this.facts(s, t), err);
      return null;
    }
  }

  onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: HookCallback): void {
    const t = this.state.get(session.id);
    this.dataInFlight++;
    const started = performance.now();
    // anonymous arrows, not named consts: under tsx each named closure costs a defineProperty
    runHook(
      'data',
      this.deadline,
      this.fault(session),
      (err, msg) => {
        metrics.transactionSeconds.observe({ listener: this.l.name }, (performance.now() - started) / 1000);
        this.dataInFlight--;
        this.state.delete(session.id);
        callback(err ?? null, msg);
      },
      (signal) => this.data(session, t, stream, signal),
      () => stream.resume(),
    );
  }

  private data(session: SMTPServerSession, t: TxState | undefined, stream: SMTPServerDataStream, signal: HookSignal): Promise<SmtpReply> {
    if (!t?.upstream) throw new Error('DATA without an upstream transaction');
    const upstream = t.upstream;
    t.upstream = null; // the data phase owns it now
    // most mail passes: ask for the upstream's 354 while the header block is still arriving
    upstream.startData();
    const facts = this.facts(session, t);
    const trace = receivedField({
      helo: this.ctx.detector.mask(session.hostNameAppearsAs || ''),
      address: session.remoteAddress,
      by: this.l.name,
      id: t.txId,
      tls: session.secure,
      authenticated: Boolean(session.user),
      time: t.arrival,
    });
    return runData(this.ctx, { facts, trace, arrival: t.arrival, maxHeaderSize: this.l.max_header_size, upstream, stream: stream as Readable, signal });
  }
}
