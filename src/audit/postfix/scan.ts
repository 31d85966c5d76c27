// The scanner loop: split a chunk of log bytes into lines (native memchr via indexOf), parse each
// line's prefix by bytes and feed the state machine. Pure, no I/O. Protects "damaged Postfix lines
// are counted and reported, never fatal"; other programs' lines are skipped without a string.
import { Lit } from './bytes.ts';
import { Head, parseHead } from './parse.ts';
import type { PostfixState } from './state.ts';

export interface ScanStats { lines: number; garbled: number; firstGarbled: number }

const TAG = new Lit('postfix/');
const H = new Head();

/**
 * Parse the lines of `b` from offset `s` (whole lines; the last may lack its LF; CR before LF is
 * dropped): each Postfix line's prefix goes to `take`, damaged Postfix lines are counted in `st`,
 * other programs' lines only counted. `take` returning false stops before that line (neither counted
 * nor consumed: the next call starts with it). Returns the offset where it stopped. The one line
 * loop of the audit, for this thread (scanLines) and the pipeline's reading thread (pipe-worker.ts).
 */
export function eachHead(b: Buffer, s: number, st: ScanStats, take: (h: Head) => boolean): number {
  const n = b.length;
  let lines = st.lines;
  while (s < n) {
    let lf = b.indexOf(10, s);
    if (lf < 0) lf = n;
    const e = lf > s && b[lf - 1] === 13 ? lf - 1 : lf;
    if (parseHead(b, s, e, H)) {
      if (!take(H)) break;
    } else if (TAG.find(b, s, e) >= 0 && ++st.garbled === 1) st.firstGarbled = lines + 1;
    lines++;
    s = lf + 1;
  }
  st.lines = lines;
  return s;
}

/** Feed every line of `b` (whole lines; the last may lack its LF) to `state`, then release it; CR before LF is dropped. */
export function scanLines(b: Buffer, state: PostfixState, st: ScanStats): void {
  eachHead(b, 0, st, (h) => {
    state.feed(h);
    return true;
  });
  state.release();
}
