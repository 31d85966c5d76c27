// Verdicts are typed data (STYLE 2). There is deliberately no `discard` member: the compiler
// enforces "never silent" (DESIGN invariant 1). No I/O.
import type { HeaderFinding } from '../detect/types.ts';

export type Direction = 'outbound' | 'inbound';

/** The only actions configuration can name. */
export const ACTIONS = ['pass', 'reject', 'quarantine', 'redact', 'tag'] as const;
export type Action = (typeof ACTIONS)[number];

/** One SMTP reply, mapped to the wire in one place (STYLE 4). text: one ASCII line, ≤ 512 octets with code. */
export interface SmtpReply {
  code: number;
  /** RFC 3463 enhanced status code, e.g. `5.7.1` */
  enhanced: string;
  text: string;
}

interface VerdictBase {
  findings: HeaderFinding[];
}
export type Verdict =
  | (VerdictBase & { action: 'pass' })
  | (VerdictBase & { action: 'reject'; reply: SmtpReply })
  | (VerdictBase & { action: 'quarantine' })
  | (VerdictBase & { action: 'redact'; headers: string[] })
  | (VerdictBase & { action: 'tag'; tagHeader: string });
