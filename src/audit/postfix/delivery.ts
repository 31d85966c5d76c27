// The status word and text of a delivery agent's `to=<…>, …, status=…` line, read by bytes.
// Pure, no I/O. Protects the fate contract: verify(8) probe answers are not lost mail.
import { Lit, text } from './bytes.ts';
import { D_DISCARD } from './parse.ts';
import type { RcptState } from './fate.ts';

const L = {
  sent: new Lit('sent'), deferred: new Lit('deferred'), bounced: new Lit('bounced'), expired: new Lit('expired'),
  deliverable: new Lit('deliverable'), undeliverable: new Lit('undeliverable'),
};

/** deliverable/undeliverable: the answer to an address-verification probe (verify(8)) */
export function isProbeAnswer(b: Buffer, s: number, e: number): boolean {
  return L.deliverable.is(b, s, e) || L.undeliverable.is(b, s, e);
}

/** status word → recipient state; deliverable/undeliverable answer address-verification probes (verify(8)) */
export function statusOf(b: Buffer, s: number, e: number, daemon: number): RcptState | undefined {
  if (L.sent.is(b, s, e)) return daemon === D_DISCARD ? 'discarded' : 'sent';
  if (L.deferred.is(b, s, e)) return 'deferred';
  if (L.bounced.is(b, s, e)) return 'bounced';
  if (L.expired.is(b, s, e)) return 'expired';
  if (isProbeAnswer(b, s, e)) return 'sent';
  return undefined;
}

/** [x, y) of a line whose text (from t) is `line`: a substring when the line is ASCII, else decoded */
export function piece(b: Buffer, line: string, asc: boolean, t: number, x: number, y: number): string {
  return asc ? line.slice(x - t, y - t) : text(b, x, y);
}

