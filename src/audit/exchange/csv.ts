// RFC 4180 records from physical lines: Exchange quotes fields that hold commas, quotes or
// line breaks (subjects do), so one record may span several lines. Pure, no I/O.
// Protects the audit from a runaway open quote swallowing the rest of a log: records are bounded.

/** Split one complete record; returns null when a quoted field is still open (RFC 4180 §2.6). */
export function splitCsvRecord(text: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === 34 /* " */) {
      // quoted field: up to the closing quote; a doubled quote is one quote (RFC 4180 §2.7)
      let field = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) return null;
        field += text.slice(from, q);
        if (text.charCodeAt(q + 1) === 34) {
          field += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      // lenient, like Excel: text after the closing quote belongs to the field
      const comma = text.indexOf(',', i);
      const tail = comma < 0 ? text.slice(i) : text.slice(i, comma);
      out.push(field + tail);
      if (comma < 0) return out;
      i = comma + 1;
    } else {
      const comma = text.indexOf(',', i);
      if (comma < 0) {
        out.push(text.slice(i));
        return out;
      }
      out.push(text.slice(i, comma)); // a stray quote mid-field is kept literally
      i = comma + 1;
    }
  }
}

export interface CsvRecord {
  fields: string[];
  /** 1-based physical line the record starts on */
  line: number;
}

/** the most physical lines one record may span before we call its quote unterminated */
export const MAX_RECORD_LINES = 50;
const MAX_RECORD_CHARS = 256 * 1024;

/**
 * Feeds physical lines, yields records. When an open quote runs past the bound, the first
 * line is reported as malformed and the buffered lines are re-read as fresh records, so one
 * bad line costs one record, not the rest of the file.
 */
export class CsvAssembler {
  private pending: { text: string; line: number }[] = [];
  constructor(private readonly onMalformed: (line: number, why: string) => void) {}

  /** a quoted field is open: the next line continues it, whatever it looks like */
  get open(): boolean {
    return this.pending.length > 0;
  }

  push(text: string, line: number): CsvRecord[] {
    // fast path: most rows have no quoted field at all
    if (this.pending.length === 0 && !text.includes('"')) return [{ fields: text.split(','), line }];
    this.pending.push({ text, line });
    return this.drain(false);
  }

  /** end of input: an open quote left over is reported, its lines re-read */
  end(): CsvRecord[] {
    return this.drain(true);
  }

  private drain(final: boolean): CsvRecord[] {
    const out: CsvRecord[] = [];
    while (this.pending.length > 0) {
      const joined = this.pending.map((p) => p.text).join('\n');
      const fields = splitCsvRecord(joined);
      if (fields) {
        out.push({ fields, line: this.pending[0].line });
        this.pending = [];
        return out;
      }
      const tooLong = this.pending.length > MAX_RECORD_LINES || joined.length > MAX_RECORD_CHARS;
      if (!final && !tooLong) return out;
      const [first, ...rest] = this.pending;
      this.onMalformed(first.line, 'a quoted field is never closed');
      this.pending = [];
      for (const r of rest) {
        this.pending.push(r);
        const f = splitCsvRecord(this.pending.map((p) => p.text).join('\n'));
        if (f) {
          out.push({ fields: f, line: this.pending[0].line });
          this.pending = [];
        }
      }
      if (!final) return out;
    }
    return out;
  }
}
