// String-level field readers for the rarer Postfix lines (actions from header/body checks, access
// maps and milters; NOQUEUE rejects) and for tests: decoded text in, fields out. Pure, no I/O.
// Protects: the rule, subject and envelope of every silent discard are reported as logged.

/** value of `from=<…>` (addresses) given the needle 'from=<', or undefined. Needles are constants: no per-line concatenation */
export function angleField(text: string, needle: string, from = 0): string | undefined {
  const i = text.indexOf(needle, from);
  if (i < 0) return undefined;
  const s = i + needle.length;
  const e = text.indexOf('>', s);
  return e < 0 ? undefined : text.slice(s, e);
}

/** value of `nrcpt=word` up to ',' or space given the needle 'nrcpt=', or undefined */
export function wordField(text: string, needle: string): string | undefined {
  const i = text.indexOf(needle);
  if (i < 0) return undefined;
  const s = i + needle.length;
  let e = s;
  while (e < text.length && text.charCodeAt(e) !== 44 && text.charCodeAt(e) !== 32) e++;
  return text.slice(s, e);
}

/** The delivery agent's status line: `to=<x>, relay=…, dsn=5.1.1, status=bounced (text)` */
export interface Delivery { to: string; status: string; dsn: string; detail: string }

export function parseDelivery(text: string): Delivery | null {
  if (!text.startsWith('to=<')) return null;
  const to = angleField(text, 'to=<') ?? '';
  const si = text.indexOf(', status=');
  if (si < 0) return null;
  const s = si + 9;
  let e = s;
  while (e < text.length && text.charCodeAt(e) !== 32 && text.charCodeAt(e) !== 44) e++;
  const status = text.slice(s, e);
  const open = text.indexOf('(', e);
  const detail = open >= 0 ? text.slice(open + 1, text.endsWith(')') ? -1 : undefined) : '';
  return { to, status, dsn: wordField(text, ', dsn=') ?? '', detail };
}

/**
 * An action line from cleanup/smtpd (header/body checks, access restrictions, milters):
 * `discard: header Subject: X from host[ip]; from=<a> to=<b> proto=ESMTP helo=<h>: reason`.
 */
export interface ActionLine { action: string; what: string; subject?: string; from?: string; to?: string; reason: string }

function headReason(head: string): string {
  const i = head.indexOf(']: ');
  return i >= 0 ? head.slice(i + 3) : head;
}

export function parseAction(text: string): ActionLine | null {
  const c = text.indexOf(': ');
  if (c < 0 || c > 20) return null;
  const action = text.slice(0, c);
  const env = text.lastIndexOf('; from=<');
  if (env < 0) return null;
  const head = text.slice(c + 2, env);
  const after = text.indexOf('>: ', text.lastIndexOf('=<'));
  const reason = after >= 0 ? text.slice(after + 3) : headReason(text.slice(c + 2, env));
  let subject: string | undefined;
  if (head.startsWith('header Subject: ')) {
    const f = head.lastIndexOf(' from ');
    subject = head.slice(16, f > 16 ? f : undefined);
  }
  const what = head.startsWith('header ') ? 'header_checks' : head.startsWith('body ') ? 'body_checks' : head.split(' ')[0];
  return { action, what, subject, from: angleField(text, 'from=<', env), to: angleField(text, ' to=<', env), reason };
}
