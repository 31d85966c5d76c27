// RFC 4180 records from physical lines: Exchange quotes fields that hold commas, quotes or
// line breaks (subjects do), so one record may span several lines. Pure, no I/O.
// Protects the audit from a runaway open quote swallowing the rest of a log: records are bounded.

/** Split one complete record; returns null when a quoted field is still open (RFC 4180 §2.6). */
export function splitCsvRecord(text: string): string[] | null {
  const out: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let atFieldStart = true;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        // RFC 4180 §2.7: a doubled quote inside a quoted field is one quote
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === ',') {
      out.push(field);
      field = '';
      atFieldStart = true;
      i++;
      continue;
    }
    if (c === '"' && atFieldStart) quoted = true;
    else field += c; // a stray quote mid-field is kept literally (lenient, like Excel)
    atFieldStart = false;
    i++;
  }
  if (quoted) return null;
  out.push(field);
  return out;
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
