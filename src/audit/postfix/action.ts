// Action lines from cleanup and smtpd — header/body_checks, access restrictions and milters that
// discard, reject or hold a message — applied to the message they name. Pure, no I/O. Protects
// "every silent case is found, with its rule and (masked later) subject".
import { text } from './bytes.ts';
import { D_SMTPD, type Head } from './parse.ts';
import { parseAction } from './fields.ts';
import type { Msg } from './fate.ts';

/** "word: " within the first 20 characters (up to 4 bytes each), as parseAction requires */
function actionShape(h: Head): boolean {
  const b = h.buf;
  const end = Math.min(h.e - 1, h.textS + 84);
  for (let k = h.textS; k < end; k++) if (b[k] === 58 && b[k + 1] === 32) return true;
  return false;
}

/**
 * Apply a discard/reject/hold/warning… line from cleanup or smtpd (header/body checks, access maps,
 * milters) to its message; true when the message is finished (discarded or rejected as a whole).
 */
export function actionLine(m: Msg, h: Head): boolean {
  // parseAction wants "action: " within 20 bytes; most other lines are ruled out without a string
  if (!actionShape(h)) return false;
  const a = parseAction(text(h.buf, h.textS, h.e));
  if (!a) return false;
  if (a.subject !== undefined) m.subject ??= a.subject;
  if (a.from !== undefined) m.from ??= a.from;
  const rule = `${a.what} ${a.action.replace(/^milter-/, '').toUpperCase()}${a.reason ? `: ${a.reason}` : ''}`;
  const named = a.to !== undefined ? a.to.toLowerCase() : undefined;
  if (named !== undefined && !m.rcpts.has(named)) m.rcpts.set(named, { to: a.to ?? '', st: 'pending', reason: '' });
  switch (a.action) {
    case 'discard':
    case 'milter-discard':
      m.silent ??= a.action === 'milter-discard' ? `milter DISCARD${a.reason ? `: ${a.reason}` : ''}` : rule;
      return true;
    case 'reject':
    case 'milter-reject':
      if (h.daemon === D_SMTPD && a.what === 'RCPT' && named !== undefined) {
        m.rcpts.set(named, { to: a.to ?? '', st: 'rejected', reason: a.reason });
        return false;
      }
      m.rejected ??= `${rule}`;
      return true;
    case 'hold':
    case 'milter-hold':
      m.held = rule;
      return false;
    default:
      return false; // warning/info/permit/redirect: the message goes on
  }
}
