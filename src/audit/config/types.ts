// Findings of `postvagt audit config` (DESIGN: {"findings":[{file,line,severity,rule,message}]}).
// Types only, no I/O. `line` is 1-based; 0 means "the setting is absent" (nothing to point at);
// for an Exchange transport-rule export it is the rule's 1-based position in the list.

export type Severity = 'silent-loss' | 'leak' | 'warning';

export interface ConfigFinding {
  file: string;
  line: number;
  severity: Severity;
  /** stable slug, e.g. "cpr-silently-dropped", "soft-bounce", "exchange-delete-message" */
  rule: string;
  message: string;
}

export interface ConfigAudit {
  findings: ConfigFinding[];
  /** what could not be read or judged (unreadable table, pattern we cannot evaluate) */
  warnings: string[];
}

/** reads a file as text; null when it does not exist or cannot be read */
export type ReadText = (path: string) => string | null;
