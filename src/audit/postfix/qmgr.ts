// qmgr's lines about a message in the slow state machine: `from=<…>, size=…, nrcpt=N (queue active)`,
// `from=<…>, status=expired, returned to sender`, `removed`. Pure, no I/O. Protects the expiry and
// RCPT-count rules of the fate contract (fate.ts).
import { Lit, count, findByte } from './bytes.ts';
import { W } from './words.ts';
import { FIELDS } from './intern.ts';
import type { Head } from './parse.ts';
import type { Msg } from './fate.ts';

const L = { ...W, active: new Lit('(queue active)') };

/** Apply a qmgr line to its message; true when it says `removed` (the message is finished). */
export function qmgrLine(m: Msg, h: Head): boolean {
  const b = h.buf;
  const t = h.textS;
  const e = h.e;
  if (L.removed.is(b, t, e)) return true;
  if (!L.from.at(b, t, e)) return false;
  const close = findByte(b, 62, t + 6, e);
  m.from = close < 0 ? undefined : FIELDS.text(b, t + 6, close);
  const after = close < 0 ? t : close;
  const n = L.nrcpt.find(b, after, e);
  const nrcpt = n < 0 ? -1 : count(b, n + 6, e);
  if (nrcpt >= 0) m.nrcpt = Math.max(m.nrcpt ?? 0, nrcpt);
  if (L.expired.find(b, after, e) >= 0) {
    m.expired = true;
    for (let i = 0; i < m.rcpts.size; i++) {
      const r = m.rcpts.at(i);
      if (r.st === 'deferred' || r.st === 'pending') r.st = 'expired';
    }
  } else if (L.active.ends(b, t, e)) {
    m.held = undefined; // released (postsuper -H) or never held
  }
  return false;
}
