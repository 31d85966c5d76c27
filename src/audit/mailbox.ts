// Mailbox scanner: which messages of an mbox file, a Maildir or a folder of .eml files carry a
// CPR number in clear headers. Streams: one header block in memory at a time.
// I/O: reads files. Protects invariant 2: results carry findings, printing decides on masking.
import type { HeaderBlock } from './mailbox/headerblock.ts';
import { mailboxKind, messagesOf, type MailboxKind } from './mailbox/sources.ts';
import { parseHeaderBlock, scanHeaders, type HeaderField, type HeaderFinding, type ScanOptions } from '../detect/index.ts';
import { PvError } from '../errors.ts';

export { readHeaderBlockFile, readHeaderBlockStream, MAX_HEADER_BYTES } from './mailbox/headerblock.ts';
export { mailboxKind, type MailboxKind } from './mailbox/sources.ts';

export type MessageScanOptions = ScanOptions & { headers?: readonly string[] };

/** The outcome for one message: findings (maybe none), or why it could not be scanned. */
export interface MessageResult {
  file: string;
  findings: HeaderFinding[];
  /** a problem worth telling (truncated header block); the message was still scanned */
  warning?: string;
  /** the message could not be read or is no message; findings is empty */
  error?: PvError;
  /** who, when and what (decoded, in memory; output masks it unless --reveal): to map affected cases */
  context?: MessageContext;
}

export interface MessageContext {
  date: string;
  from: string;
  to: string;
  subject: string;
}

/** Date, From, To (with Cc) and Subject as a person reads them; '' where the header is absent. */
function contextOf(fields: HeaderField[]): MessageContext {
  const get = (name: string) => fields.filter((f) => f.name.toLowerCase() === name).map((f) => f.decoded.trim());
  return { date: get('date')[0] ?? '', from: get('from')[0] ?? '', to: [...get('to'), ...get('cc')].join(', '), subject: get('subject')[0] ?? '' };
}

export interface MailboxSummary {
  kind: MailboxKind | null;
  messages: number;
  withFindings: number;
  /** header name (as first written) → messages with a finding in that header */
  byHeader: Map<string, number>;
  errors: number;
}

/** Scan one header block. Binary junk (NUL bytes) and blocks without fields are errors. */
export function scanBlock(file: string, block: HeaderBlock, opts?: MessageScanOptions): MessageResult {
  const fields = parseHeaderBlock(block.bytes);
  if (fields.length === 0) {
    const why = block.bytes.includes(0) ? 'binary data, not a mail message' : 'not a mail message: no header fields before the first empty line';
    return { file, findings: [], error: new PvError('PV_INPUT_FORMAT', why, { file }) };
  }
  const findings = scanHeaders(fields, opts);
  const result: MessageResult = { file, findings };
  if (findings.length > 0) result.context = contextOf(fields);
  if (block.truncated) result.warning = `header block longer than 2 MiB; only the first 2 MiB were scanned`;
  return result;
}

function unreadable(file: string, err: unknown): PvError {
  if (err instanceof PvError) return err;
  const e = err as NodeJS.ErrnoException;
  return new PvError('PV_INPUT_UNREADABLE', `cannot read: ${e.code ?? e.message}`, { file, cause: err });
}

export function newSummary(kind: MailboxKind | null = null): MailboxSummary {
  return { kind, messages: 0, withFindings: 0, byHeader: new Map(), errors: 0 };
}

export function tally(summary: MailboxSummary, r: MessageResult): void {
  if (r.error) {
    summary.errors++;
    return;
  }
  summary.messages++;
  if (r.findings.length === 0) return;
  summary.withFindings++;
  const seen = new Set<string>();
  for (const f of r.findings) {
    const key = [...summary.byHeader.keys()].find((h) => h.toLowerCase() === f.header.toLowerCase()) ?? f.header;
    if (seen.has(key)) continue;
    seen.add(key);
    summary.byHeader.set(key, (summary.byHeader.get(key) ?? 0) + 1);
  }
}

/**
 * Every message of the mailbox at `path`, scanned, in order. A message that cannot be read is
 * yielded with `error` and the scan goes on; a path that is no mailbox at all throws PvError.
 */
export async function* scanMailbox(path: string, opts?: MessageScanOptions): AsyncGenerator<MessageResult> {
  const kind = await mailboxKind(path);
  const messages = messagesOf(path, kind);
  for (;;) {
    let next: IteratorResult<Awaited<ReturnType<typeof messages.next>>['value']>;
    try {
      next = await messages.next();
    } catch (err) {
      throw unreadable(path, err); // the mbox stream or a folder listing failed: cannot go on
    }
    if (next.done) return;
    const msg = next.value;
    let block: HeaderBlock;
    try {
      block = await msg.read();
    } catch (err) {
      yield { file: msg.id, findings: [], error: unreadable(msg.id, err) };
      continue;
    }
    yield scanBlock(msg.id, block, opts);
  }
}
