// The scanner loop: split a chunk of log bytes into lines (native memchr via indexOf), parse each
// line's prefix by bytes and feed the state machine. Pure, no I/O. Protects "damaged Postfix lines
// are counted and reported, never fatal"; other programs' lines are skipped without a string.
import { Lit } from './bytes.ts';
import { Head, parseHead } from './parse.ts';
import type { PostfixState } from './state.ts';

export interface ScanStats { lines: number; garbled: number; firstGarbled: number }

const TAG = new Lit('postfix/');
const H = new Head();

/** Feed every line of `b` (whole lines; the last may lack its LF) to `state`, then release it; CR before LF is dropped. */
export function scanLines(b: Buffer, state: PostfixState, st: ScanStats): void {
  const n = b.length;
  let s = 0;
  let lines = st.lines;
  while (s < n) {
    let lf = b.indexOf(10, s);
    if (lf < 0) lf = n;
    const e = lf > s && b[lf - 1] === 13 ? lf - 1 : lf;
    lines++;
    if (parseHead(b, s, e, H)) state.feed(H);
    else if (TAG.find(b, s, e) >= 0 && ++st.garbled === 1) st.firstGarbled = lines;
    s = lf + 1;
  }
  state.release();
  st.lines = lines;
}
