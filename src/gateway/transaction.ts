// One SMTP transaction's DATA phase: header block → detect → decide → carry out the verdict.
// I/O: reads the client's DATA stream, relays through the upstream transaction, writes the store.
// Protects invariants 1 and 3: every outcome is recorded before the client's reply, 250 only after
// the upstream's 250 (or a durable quarantine), and the same incident id goes to the store and the reply.
import { Readable } from 'node:stream';
import type { HeaderField, HeaderFinding } from '../detect/types.ts';
import type { SmtpReply } from '../policy/types.ts';
import type { Config } from '../config/schema.ts';
import type { DecisionAction, Store, StoredFinding } from '../store/types.ts';
import { decide } from '../policy/decide.ts';
import { formatReply, headerTooLargeReply, quarantinedReply, upstreamTempfailReply } from '../notify/replies.ts';
import { incidentId } from '../store/ids.ts';
import { ClientGone, chunks, drain, readHeaderBlock, type HeaderSplit } from './body.ts';
import { Refusal, type HookSignal } from './adapter.ts';
import { UpstreamError, type Reply } from './smtp-client.ts';
import type { UpstreamTx } from './upstream.ts';
import { classify, decisionRow, incidentRow, noticeFor, rejectNotice, stored, type NotifySettings, type TxFacts } from './records.ts';
import { encodeField, prependField, rewriteFields } from './rewrite.ts';
import { observeUpstreamFailure } from './observe.ts';

export interface Detector {
  parse(header: Buffer): HeaderField[];
  scan(fields: HeaderField[]): HeaderFinding[];
  mask(text: string): string;
}

export interface GatewayLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface TxContext {
  store: Store;
  logger: GatewayLogger;
  clock: () => Date;
  detector: Detector;
  policy: Config['policy'];
  /** notify settings plus web.public_url (the escalation's dashboard link) */
  notify: NotifySettings;
}

export interface DataInput {
  facts: TxFacts;
  /** the Received: field this relay adds (RFC 5321 §4.4), without CRLF */
  trace: string;
  arrival: Date;
  maxHeaderSize: number;
  upstream: UpstreamTx;
  stream: Readable & { byteLength?: number; sizeExceeded?: boolean };
  /** set when the DATA hook's deadline passed: the final dot must not go out */
  signal: HookSignal;
}

/** the whole DATA phase; resolves to the 250 reply, throws Refusal for a deliberate non-250 */
export async function runData(ctx: TxContext, d: DataInput): Promise<SmtpReply> {
  try {
    return await decideAndAct(ctx, d);
  } catch (err) {
    if (!(err instanceof ClientGone)) throw err;
    // Not our fault and nobody to answer: the upstream connection was dropped before its final dot
    // (so it discards the partial mail); the row says what happened (invariant 3), no incident.
    await d.upstream.abort();
    const reply: SmtpReply = { code: 421, enhanced: '4.4.2', text: 'client closed the connection before the end of DATA; nothing was relayed' };
    await ctx.store.recordDecision(decisionRow(d.facts, 'tempfail', formatReply(reply), [], null));
    ctx.logger.info({ event: 'smtp.error', tx: d.facts.txId, reason: 'client gone mid-DATA' });
    throw new Refusal(reply);
  }
}

/** what the header block held: the split, its fields, the findings (masked) and the incident id */
interface Scanned {
  split: HeaderSplit;
  fields: HeaderField[];
  findings: HeaderFinding[];
  found: StoredFinding[];
  id: string;
}

async function decideAndAct(ctx: TxContext, d: DataInput): Promise<SmtpReply> {
  const split = await readHeaderBlock(d.stream, d.maxHeaderSize);
  if (split.overflow) return refuseHeaderBlock(ctx, d);
  const fields = ctx.detector.parse(split.header);
  if (fields.filter((f) => f.name.toLowerCase() === 'received').length > MAX_HOPS) return refuseLoop(ctx, d);
  const findings = ctx.detector.scan(fields);
  const subject = fields.find((f) => f.name.toLowerCase() === 'subject');
  d.facts.subjectMasked = subject ? ctx.detector.mask(subject.decoded) : '';
  const id = findings.length > 0 ? incidentId(ctx.clock()) : '';
  const sc: Scanned = { split, fields, findings, found: stored(findings), id };
  const verdict = decide({ direction: d.facts.direction, findings, policy: ctx.policy, incidentId: id });
  switch (verdict.action) {
    case 'pass':
      return relayed(ctx, d, sc, split.header, 'pass');
    case 'tag':
      return relayed(ctx, d, sc, prependField(split.header, verdict.tagHeader, `CPR number in ${affected(findings)}; case ${id}`), 'tag');
    case 'redact': {
      const indexes = new Set(findings.map((f) => f.fieldIndex));
      const head = rewriteFields(split.header, fields, indexes, (f) => encodeField(f.name, ctx.detector.mask(f.decoded)));
      return relayed(ctx, d, sc, head, 'redact');
    }
    case 'reject':
      return reject(ctx, d, sc, verdict.reply);
    case 'quarantine':
      return quarantine(ctx, d, sc);
  }
}

/** RFC 5321 §6.3: count Received fields to break mail loops (Postfix's hopcount_limit is 50 too) */
export const MAX_HOPS = 50;

async function refuseLoop(ctx: TxContext, d: DataInput): Promise<never> {
  await drain(d.stream);
  await d.upstream.abort();
  const r: SmtpReply = { code: 554, enhanced: '5.4.6', text: `Mailsloejfe: over ${MAX_HOPS} Received-felter / Routing loop detected: more than ${MAX_HOPS} Received fields` };
  await ctx.store.recordDecision(decisionRow(d.facts, 'reject', formatReply(r), [], null));
  ctx.logger.warn({ event: 'smtp.refused', tx: d.facts.txId, reason: 'mail loop' });
  throw new Refusal(r);
}

async function refuseHeaderBlock(ctx: TxContext, d: DataInput): Promise<never> {
  await drain(d.stream);
  await d.upstream.abort();
  const r = headerTooLargeReply(d.maxHeaderSize);
  await ctx.store.recordDecision(decisionRow(d.facts, 'reject', formatReply(r), [], null));
  ctx.logger.warn({ event: 'smtp.refused', tx: d.facts.txId, reason: 'header block over limit' });
  throw new Refusal(r);
}

/** pass, tag, redact: relay, then record (with an incident when something was found) before the 250 */
function relayed(ctx: TxContext, d: DataInput, sc: Scanned, head: Buffer, action: DecisionAction): Promise<SmtpReply> {
  const traced = Buffer.concat([Buffer.from(`${d.trace}\r\n`, 'latin1'), head]);
  return relay(ctx, d, traced, sc.split.rest, async (reply) => {
    const wire = formatReply(reply);
    if (sc.findings.length === 0) return ctx.store.recordDecision(decisionRow(d.facts, 'pass', wire, [], null));
    const inc = incidentRow(d.facts, sc.id, action, wire, sc.found);
    await classify(ctx.store, inc, ctx.clock());
    // redact changes what the recipient sees: the sender is told (outbound only; inbound senders are
    // other organisations we do not relay for, and a notice to them would be backscatter)
    const notice = action === 'redact' && d.facts.direction === 'outbound' ? noticeFor({ incident: inc, fields: sc.fields, notify: ctx.notify, arrival: d.arrival, now: ctx.clock() }) : null;
    await ctx.store.recordIncident(inc, decisionRow(d.facts, action, wire, sc.found, sc.id), notice ?? undefined);
    ctx.logger.info({ event: `verdict.${action}`, tx: d.facts.txId, incident: sc.id, findings: sc.found.length, notice: inc.notice });
  });
}

async function reject(ctx: TxContext, d: DataInput, sc: Scanned, reply: SmtpReply): Promise<never> {
  await drain(d.stream);
  await d.upstream.abort();
  d.facts.size = d.stream.byteLength ?? null;
  const wire = formatReply(reply);
  const inc = incidentRow(d.facts, sc.id, 'reject', wire, sc.found);
  await classify(ctx.store, inc, ctx.clock());
  const escalation = rejectNotice({ incident: inc, fields: sc.fields, notify: ctx.notify, now: ctx.clock() });
  // STYLE 8: the incident is durable, with the id the reply quotes, before the reply goes out
  await ctx.store.recordIncident(inc, decisionRow(d.facts, 'reject', wire, sc.found, sc.id), escalation ?? undefined);
  ctx.logger.info({ event: 'verdict.reject', tx: d.facts.txId, incident: sc.id, findings: sc.found.length });
  throw new Refusal(reply);
}

async function quarantine(ctx: TxContext, d: DataInput, sc: Scanned): Promise<SmtpReply> {
  await d.upstream.abort();
  const reply = quarantinedReply(sc.id, sc.findings);
  const wire = formatReply(reply);
  const inc = incidentRow(d.facts, sc.id, 'quarantine', wire, sc.found);
  await classify(ctx.store, inc, ctx.clock());
  const notice = noticeFor({ incident: inc, fields: sc.fields, notify: ctx.notify, arrival: d.arrival, now: ctx.clock() });
  const message = Readable.from(whole(sc.split.header, sc.split.rest, d.stream));
  // invariant 1: quarantine() resolves only when message, incident, decision and notice are durable
  try {
    await ctx.store.quarantine(inc, decisionRow(d.facts, 'quarantine', wire, sc.found, sc.id), message, notice ?? undefined);
  } catch (err) {
    // over SIZE: whole() stopped the stream, so nothing was stored; the client gets 552
    if (!(err instanceof Refusal) && !d.stream.sizeExceeded) throw err;
    await drain(d.stream);
    const r = tooBig();
    await ctx.store.recordDecision(decisionRow(d.facts, 'reject', formatReply(r), [], null));
    throw new Refusal(r);
  }
  await drain(d.stream);
  ctx.logger.info({ event: 'verdict.quarantine', tx: d.facts.txId, incident: sc.id, notice: inc.notice });
  return reply;
}

async function* whole(head: Buffer, rest: Buffer, stream: Readable & { sizeExceeded?: boolean }): AsyncGenerator<Buffer> {
  yield head;
  if (rest.length > 0) yield rest;
  for await (const chunk of chunks(stream)) {
    if (stream.sizeExceeded) throw new Refusal(tooBig());
    yield chunk;
  }
  // the whole message may have arrived with the header block: check once more at the end
  if (stream.sizeExceeded) throw new Refusal(tooBig());
}

/** 552 5.3.4 (RFC 3463 §3.4): over the listener's max_message_size, advertised as SIZE (RFC 1870) */
function tooBig(): SmtpReply {
  return { code: 552, enhanced: '5.3.4', text: 'Mailen er for stor / Message too big' };
}

function affected(findings: HeaderFinding[]): string {
  return [...new Set(findings.map((f) => f.header))].join(', ');
}

/** relay through the upstream; the record callback runs after the upstream's 2xx and before our 250 */
async function relay(ctx: TxContext, d: DataInput, head: Buffer, rest: Buffer, record: (reply: SmtpReply) => Promise<void>): Promise<SmtpReply> {
  let answer: Reply;
  try {
    answer = await d.upstream.data(head, rest, chunks(d.stream), async () => {
      if (d.signal.aborted) throw d.signal.reason;
      // smtp-server answers 552 itself for a message over SIZE, whatever we do: never let the
      // upstream commit a mail the client is told was refused
      if (d.stream.sizeExceeded) throw new Refusal(tooBig());
      // Invariant 3: never let the upstream commit a mail the store could not record.
      await ctx.store.ping();
    });
  } catch (err) {
    if (err instanceof ClientGone) throw err;
    await drain(d.stream);
    if (err instanceof Refusal) {
      await ctx.store.recordDecision(decisionRow(d.facts, 'reject', formatReply(err.reply), [], null));
      throw err;
    }
    if (err instanceof UpstreamError) throw new Refusal(await upstreamFailed(ctx, d.facts, err));
    throw err;
  }
  d.facts.size = d.stream.byteLength ?? null;
  if (answer.code >= 200 && answer.code < 300) {
    const reply = { code: 250, enhanced: '2.0.0', text: ctx.detector.mask(answer.text || 'Ok') };
    await record(reply);
    return reply;
  }
  const mirrored = mirror(answer, ctx.detector.mask);
  observeUpstreamFailure(d.facts.listener, `${String(answer.code)[0]}xx`);
  await ctx.store.recordDecision(decisionRow(d.facts, 'upstream-fail', formatReply(mirrored), [], null));
  ctx.logger.warn({ event: 'upstream.fail', tx: d.facts.txId, code: answer.code, stage: 'data' });
  throw new Refusal(mirrored);
}

/** the upstream's own reply, passed on; an enhanced code of the wrong class is replaced (RFC 3463 §2) */
export function mirror(r: Reply, mask: (s: string) => string): SmtpReply {
  const cls = String(r.code)[0];
  const enhanced = r.enhanced.startsWith(`${cls}.`) ? r.enhanced : `${cls}.0.0`;
  const code = r.code >= 400 && r.code <= 599 ? r.code : 451;
  return { code, enhanced: code === r.code ? enhanced : '4.0.0', text: mask(r.text || 'refused by the next mail server') };
}

/** upstream unreachable, timed out or TLS failed: a systemic incident and 451 quoting it */
export async function upstreamFailed(ctx: TxContext, facts: TxFacts, err: UpstreamError): Promise<SmtpReply> {
  const detail = err.message;
  observeUpstreamFailure(facts.listener, err.kind);
  const id = incidentId(ctx.clock());
  const reply = upstreamTempfailReply(id, ctx.detector.mask(detail));
  const wire = formatReply(reply);
  const inc = incidentRow(facts, id, 'upstream-fail', wire, []);
  await classify(ctx.store, inc, ctx.clock());
  await ctx.store.recordIncident(inc, decisionRow(facts, 'upstream-fail', wire, [], id));
  ctx.logger.warn({ event: 'upstream.fail', tx: facts.txId, incident: id, detail: ctx.detector.mask(detail) });
  return reply;
}
