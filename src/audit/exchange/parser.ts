// Exchange message-tracking log (MSGTRK*.LOG) lines → typed rows, columns named by the file's
// own `#Fields:` line (it differs between Exchange versions and may change mid-file). Pure.
// Bad lines become counted warnings with file and line; they never stop the audit.
import { CsvAssembler } from './csv.ts';

/** Exchange 2013–2019 field list as documented ("Message tracking" → fields in the log files). */
export const DEFAULT_FIELDS = [
  'date-time', 'client-ip', 'client-hostname', 'server-ip', 'server-hostname', 'source-context',
  'connector-id', 'source', 'event-id', 'internal-message-id', 'message-id', 'network-message-id',
  'recipient-address', 'recipient-status', 'total-bytes', 'recipient-count', 'related-recipient-address',
  'reference', 'message-subject', 'sender-address', 'return-path', 'message-info', 'directionality',
  'tenant-id', 'original-client-ip', 'original-server-ip', 'custom-data', 'transport-traffic-type',
  'log-id', 'schema-version',
] as const;

export interface TrackingRow {
  file: string;
  line: number;
  /** ms since epoch of date-time */
  at: number;
  event: string;
  source: string;
  internalId: string;
  server: string;
  messageId: string;
  recipients: string[];
  statuses: string[];
  related: string[];
  reference: string;
  subject: string;
  sender: string;
  /** undefined when this log version has no return-path column */
  returnPath: string | undefined;
}

/** Aggregates warnings per file and kind: "FILE:LINE: what (and N more lines like it)". */
export class WarningSink {
  private readonly seen = new Map<string, { file: string; line: number; text: string; count: number }>();
  add(file: string, line: number, text: string): void {
    const key = `${file}\0${text}`;
    const w = this.seen.get(key);
    if (w) w.count++;
    else this.seen.set(key, { file, line, text, count: 1 });
  }
  /** drop what was said about `file` (it is reported once as a whole instead) */
  forget(file: string): void {
    for (const [k, w] of this.seen) if (w.file === file) this.seen.delete(k);
  }
  list(): string[] {
    return [...this.seen.values()].map(
      (w) => `${w.file}${w.line > 0 ? `:${w.line}` : ''}: ${w.text}${w.count > 1 ? ` (and ${w.count - 1} more lines like it)` : ''}`,
    );
  }
}

const REQUIRED = ['date-time', 'event-id'] as const;

export class TrackingLogParser {
  private fields: string[] | null = null;
  private index = new Map<string, number>();
  private readonly csv: CsvAssembler;

  constructor(private readonly file: string, private readonly warn: WarningSink) {
    this.csv = new CsvAssembler((line, why) => this.warn.add(this.file, line, `malformed row: ${why}; row skipped`));
  }

  /** one physical line (1-based number) → the rows it completes */
  push(raw: string, line: number): TrackingRow[] {
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 BOM Exchange writes
    // inside an open quoted subject, a line starting with "#" or a blank line is subject text
    if (this.csv.open) return this.rows(this.csv.push(text, line));
    if (text.startsWith('#')) {
      this.header(text, line);
      return [];
    }
    if (text.trim() === '') return [];
    return this.rows(this.csv.push(text, line));
  }

  end(): TrackingRow[] {
    return this.rows(this.csv.end());
  }

  private header(text: string, line: number): void {
    const m = /^#Fields:\s*(.*)$/i.exec(text);
    if (!m) return; // #Software, #Version, #Log-type, #Date: informational
    const names = m[1].split(',').map((s) => s.trim().toLowerCase());
    const missing = REQUIRED.filter((r) => !names.includes(r));
    if (missing.length > 0) {
      this.warn.add(this.file, line, `#Fields: line lacks ${missing.join(', ')}; rows until the next #Fields: line are skipped`);
      this.fields = [];
      this.index = new Map();
      return;
    }
    this.fields = names;
    this.index = new Map(names.map((n, i) => [n, i]));
  }

  private rows(records: { fields: string[]; line: number }[]): TrackingRow[] {
    const out: TrackingRow[] = [];
    for (const r of records) {
      const row = this.row(r.fields, r.line);
      if (row) out.push(row);
    }
    return out;
  }

  /** no #Fields: line (a log cut from the middle): accept only the documented 30-column layout */
  private assumeDefaultFields(values: string[], line: number): boolean {
    // a guess must not silently misread columns, so any other width is refused
    if (values.length !== DEFAULT_FIELDS.length) {
      this.warn.add(this.file, line, 'row before any #Fields: line and not in the documented 30-column layout; row skipped');
      return false;
    }
    this.warn.add(this.file, line, 'no #Fields: line before the first row; assuming the documented Exchange 2013–2019 columns');
    this.fields = [...DEFAULT_FIELDS];
    this.index = new Map(this.fields.map((n, i) => [n, i]));
    return true;
  }

  private row(values: string[], line: number): TrackingRow | null {
    if (this.fields === null && !this.assumeDefaultFields(values, line)) return null;
    if (this.fields === null) return null;
    if (this.fields.length === 0) return null;
    if (values.length !== this.fields.length) {
      this.warn.add(this.file, line, `row does not have the ${this.fields.length} columns its #Fields: line names (truncated or garbled); row skipped`);
      return null;
    }
    const get = (name: string): string => {
      const i = this.index.get(name);
      return i === undefined ? '' : values[i].trim();
    };
    const time = get('date-time');
    const at = Date.parse(time);
    const event = get('event-id').toUpperCase();
    if (Number.isNaN(at) || !/^[A-Z]+$/.test(event)) {
      this.warn.add(this.file, line, 'row without a valid date-time and event-id (garbled); row skipped');
      return null;
    }
    return {
      file: this.file,
      line,
      at,
      event,
      source: get('source').toUpperCase(),
      internalId: get('internal-message-id'),
      server: get('server-hostname'),
      messageId: get('message-id'),
      recipients: list(get('recipient-address')),
      statuses: statuses(get('recipient-status'), list(get('recipient-address')).length),
      related: list(get('related-recipient-address')),
      reference: get('reference'),
      subject: get('message-subject'),
      sender: get('sender-address'),
      returnPath: this.index.has('return-path') ? get('return-path') : undefined,
    };
  }
}

function list(v: string): string[] {
  return v
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * recipient-status holds one status per recipient, `;`-separated — but a status text itself
 * may contain `;` ("550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"). Split only before an
 * SMTP reply code, and only when that gives one status per recipient; otherwise all share it.
 */
function statuses(v: string, recipients: number): string[] {
  if (v === '') return [];
  const parts = v.split(/;(?=\s*[245]\d\d\b)/).map((s) => s.trim());
  if (parts.length === recipients) return parts;
  return Array.from({ length: Math.max(1, recipients) }, () => v);
}
