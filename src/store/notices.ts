// The notice outbox: DSNs queued in the same transaction as their incident (invariant 1: the
// 250 for a quarantined mail waits for this), then sent by the gateway's worker with retries.
// I/O: the SQLite database passed in.
import type Database from 'better-sqlite3';
import { backoffMs, rowToNotice, type Row } from './rows.ts';
import type { NoticeDraft, NoticeOutcome, QueuedNotice } from './types.ts';

export class NoticeQueue {
  constructor(
    private readonly db: Database.Database,
    private readonly clock: () => Date,
  ) {}

  enqueue(n: NoticeDraft): void {
    const now = this.clock().toISOString();
    this.db
      .prepare(`INSERT INTO notices (incident_id, envelope_from, recipient, raw, status, attempts, next_attempt_at, last_error, created_at)
        VALUES (?, ?, ?, ?, 'queued', 0, ?, NULL, ?)`)
      .run(n.incidentId, n.envelopeFrom, n.to, n.raw, now, now);
  }

  due(limit: number): QueuedNotice[] {
    const rows = this.db
      .prepare("SELECT * FROM notices WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?")
      .all(this.clock().toISOString(), Math.max(1, Math.min(limit, 1000))) as Row[];
    return rows.map(rowToNotice);
  }

  /**
   * Sent → incident notice 'sent'; a final failure → 'failed' (review treats it as systemic), or
   * 'escalated' when it brings its escalation, queued here in the same transaction.
   */
  mark(id: number, outcome: NoticeOutcome): void {
    const now = this.clock();
    this.db.transaction(() => {
      const row = this.db.prepare('SELECT incident_id, attempts FROM notices WHERE id = ?').get(id) as Row | undefined;
      if (!row) return;
      const attempts = Number(row.attempts) + 1;
      if (outcome.ok) {
        this.db.prepare("UPDATE notices SET status = 'sent', attempts = ?, last_error = NULL WHERE id = ?").run(attempts, id);
        // an escalation mail that went out keeps the incident 'escalated': the sender was still not told
        this.db.prepare("UPDATE incidents SET notice = 'sent' WHERE id = ? AND notice <> 'escalated'").run(row.incident_id);
      } else if (outcome.final) {
        this.db.prepare("UPDATE notices SET status = 'failed', attempts = ?, last_error = ? WHERE id = ?").run(attempts, clip(outcome.error), id);
        if (outcome.escalation) this.enqueue(outcome.escalation);
        this.db.prepare('UPDATE incidents SET notice = ? WHERE id = ?').run(outcome.escalation ? 'escalated' : 'failed', row.incident_id);
      } else {
        const next = new Date(now.getTime() + backoffMs(attempts)).toISOString();
        this.db
          .prepare('UPDATE notices SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ?')
          .run(attempts, clip(outcome.error), next, id);
      }
    })();
  }
}

function clip(s: string): string {
  return s.length > 500 ? `${s.slice(0, 500)}…` : s;
}
