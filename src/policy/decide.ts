// The verdict: findings + direction + configured policy → what the gateway does (STYLE 2, 3).
// Pure, no I/O, no clock. Invariant 1: every branch yields a Verdict member, and the union has no
// discard; an action this code does not know is a compile error (the `never` check below).
import type { HeaderFinding } from '../detect/types.ts';
import type { Config } from '../config/schema.ts';
import type { Direction, Verdict } from './types.ts';
import { rejectReply } from '../notify/replies.ts';

export interface DecideInput {
  direction: Direction;
  findings: HeaderFinding[];
  policy: Config['policy'];
  /** allocated before deciding, so a reject reply can quote it (STYLE 8) */
  incidentId: string;
}

/** No findings → pass; otherwise the action configured for the direction (outbound reject, inbound redact by default). */
export function decide(input: DecideInput): Verdict {
  const { findings } = input;
  if (findings.length === 0) return { action: 'pass', findings };
  const action = input.policy[input.direction].action;
  switch (action) {
    case 'pass':
      // monitoring-only setups: the mail goes on unchanged, the findings still make an incident
      return { action: 'pass', findings };
    case 'reject':
      return {
        action: 'reject',
        findings,
        reply: rejectReply({ incidentId: input.incidentId, findings, direction: input.direction }),
      };
    case 'quarantine':
      return { action: 'quarantine', findings };
    case 'redact':
      return { action: 'redact', findings, headers: affectedHeaders(findings) };
    case 'tag':
      return { action: 'tag', findings, tagHeader: input.policy.tag_header };
    default: {
      const unknown: never = action;
      throw new Error(`unknown policy action ${String(unknown)}`);
    }
  }
}

/** Header names to rewrite, each once (case-insensitive, RFC 5322 §1.2.2), in the order first found. */
export function affectedHeaders(findings: readonly HeaderFinding[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const f of findings) {
    const key = f.header.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      out.push(f.header);
    }
  }
  return out;
}
