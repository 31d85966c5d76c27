// Times of Postfix log lines: classic syslog stamps carry no year, so a clock counts it forward at
// each Dec→Jan step (RFC 3164 §4.1.2). Pure, no I/O. A message's time is kept as a number and only
// turned into ISO text when the message is reported, so delivered mail costs no formatting.
import type { Head } from './parse.ts';
import { ascii } from './bytes.ts';

/**
 * classic: (((year − 2000)·12 + month)·32 + day)·86400 + seconds of the day — a small integer for
 * years 1938–2061, so no heap number per message; ISO lines: the stamp as written
 */
export type Stamp = number | string;
const BASE_YEAR = 2000;

function two(b: Uint8Array, i: number): number {
  return (b[i] - 48) * 10 + b[i + 1] - 48;
}

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

export class SyslogClock {
  private lastMonth = -1;
  constructor(public year: number) {}
  /** every classic line passes here in order, so a Dec→Jan step is seen */
  observe(month: number): void {
    if (this.lastMonth >= 0 && month < this.lastMonth - 6) this.year++;
    if (this.lastMonth < 0 || month >= this.lastMonth || month < this.lastMonth - 6) this.lastMonth = month;
  }
  /** the (already observed) line's time */
  stamp(h: Head): Stamp {
    if (h.month < 0) return ascii(h.buf, h.stampS, h.stampE);
    const b = h.buf;
    const t = h.stampS;
    const sec = two(b, t) * 3600 + two(b, t + 3) * 60 + two(b, t + 6);
    // digits are not checked per line; a damaged time still sorts as a number
    return (((this.year - BASE_YEAR) * 12 + h.month) * 32 + h.day) * 86400 + (sec >= 0 && sec < 86400 ? sec : 0);
  }
}

/** ISO text of a stamp: classic ones as YYYY-MM-DDTHH:MM:SS, ISO ones as written */
export function stampText(st: Stamp): string {
  if (typeof st === 'string') return st;
  // floor division: stamps before the base year are negative
  const sec = ((st % 86400) + 86400) % 86400;
  let r = (st - sec) / 86400;
  const day = ((r % 32) + 32) % 32;
  r = (r - day) / 32;
  const month = ((r % 12) + 12) % 12;
  const year = (r - month) / 12 + BASE_YEAR;
  const hms = `${pad(Math.floor(sec / 3600))}:${pad(Math.floor(sec / 60) % 60)}:${pad(sec % 60)}`;
  return `${year}-${pad(month + 1)}-${pad(day)}T${hms}`;
}
