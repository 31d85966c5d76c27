// The SQLite Store (better-sqlite3 v12): WAL with synchronous=FULL, so a resolved write survives a
// crash or power loss — the gateway's 250 depends on it (invariant 1); only a plain pass's decision
// row commits with NORMAL (survives a crash, synced within a second: group-commit.ts). Every store
// fault surfaces as PvError PV_STORE_UNAVAILABLE (the gateway turns it into 4xx). I/O: the database file.
import Database from 'better-sqlite3';
import type { Readable } from 'node:stream';
import { PvError } from '../errors.ts';
import { migrate, type Migrated } from './migrations.ts';
import { decisionToRow, incidentToRow, rowToDecision, rowToIncident, storedFinding, type Row } from './rows.ts';
import { MailVault } from './vault.ts';
import type {
  CapturedMessage, DashboardUser, DecisionFilter, DecisionRecord, Incident, IncidentFilter, NoticeDraft, NoticeOutcome,
  QueuedNotice, Store, StoredFinding,
} from './types.ts';
import { NoticeQueue } from './notices.ts';
import { GroupCommit } from './group-commit.ts';

export interface SqliteOptions {
  file: string;
  quarantineDir: string;
  quarantineKey: Buffer;
  /** earlier quarantine keys, to read what they sealed (key rotation) */
  previousQuarantineKeys?: readonly Buffer[];
  clock?: () => Date;
  /**
   * How long a write waits for another writer's lock. better-sqlite3 waits synchronously (the
   * event loop stalls), so keep it short: WAL readers never block, writers hold locks for ms.
   */
  busyTimeoutMs?: number;
  /** told once when opening upgraded the schema (an operator should see that it happened) */
  onMigrated?: (m: Migrated) => void;
}

type Db = Database.Database;

export class SqliteStore implements Store {
  private readonly db: Db;
  private readonly vault: MailVault;
  private readonly notices: NoticeQueue;
  private readonly writes: GroupCommit;
  // prepared once: the gateway runs these per message (preparing costs more than the insert)
  private pingStmt: Database.Statement | null = null;
  private decisionStmt: Database.Statement | null = null;

  private constructor(db: Db, opts: SqliteOptions) {
    this.db = db;
    const clock = opts.clock ?? (() => new Date());
    this.vault = new MailVault(db, opts.quarantineKey, opts.quarantineDir, clock, opts.previousQuarantineKeys);
    this.notices = new NoticeQueue(db, clock);
    this.writes = new GroupCommit(db, storeError);
  }

  static open(opts: SqliteOptions): SqliteStore {
    return guardSync(`open ${opts.file}`, () => {
      const db = new Database(opts.file, { timeout: opts.busyTimeoutMs ?? 2000 });
      try {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
        db.pragma('foreign_keys = ON');
        const migrated = migrate(db);
        const store = new SqliteStore(db, opts);
        if (migrated) opts.onMigrated?.(migrated);
        store.vault.sweepOrphans();
        return store;
      } catch (err) {
        db.close();
        throw err;
      }
    });
  }

  async ping(): Promise<void> {
    // The gateway asks just before the upstream commits a mail (invariant 3). Open is not enough:
    // after a write failed for the store's sake (another writer's lock, disk full, I/O error), a
    // relayed mail's decision would be lost too, so say no until a write commits again — the
    // gateway records a systemic incident for this refusal, and that write is the retry.
    // No I/O: a prepared SELECT 1 (it fails once the connection is closed) and a flag.
    guardSync('ping', () => (this.pingStmt ??= this.db.prepare('SELECT 1')).get());
    const fault = this.writes.lastFault;
    if (fault !== null) throw storeError('ping: the last write', fault);
  }

  async recordDecision(decision: DecisionRecord): Promise<void> {
    // A pass row is relaxed (synchronous=NORMAL, no fsync before the 250): that 250 rests on the
    // upstream's own 250, so a power loss can cost the audit row, never the mail. It survives a
    // crash of Postvagt, and is synced within a second (group-commit.ts). Every other row — refusals,
    // failures — stays FULL, like incidents, quarantine and notices (invariants 1 and 3).
    await this.writes.run('record decision', () => this.insertDecision(decision), !relaxedDecision(decision));
  }

  async recordIncident(incident: Incident, decision: DecisionRecord, notice?: NoticeDraft): Promise<void> {
    await this.writes.run('record incident', () => {
      this.insertIncident(incident);
      this.insertDecision(decision);
      if (notice) this.notices.enqueue(notice);
    });
  }

  async quarantine(incident: Incident, decision: DecisionRecord, message: Buffer | Readable, notice?: NoticeDraft): Promise<void> {
    // Ciphertext first (fsynced), rows second: a crash in between leaves an unreferenced
    // encrypted file, never a row pointing at nothing.
    const sealed = await guard('quarantine message', () => this.vault.seal(incident.id, message));
    try {
      await this.writes.run('quarantine', () => {
        this.insertIncident(incident);
        this.insertDecision(decision);
        this.vault.insertQuarantine(incident.id, sealed);
        if (notice) this.notices.enqueue(notice);
      });
    } catch (err) {
      await this.vault.discardSealed(sealed);
      throw err;
    }
  }

  async readQuarantined(incidentId: string): Promise<Buffer | null> {
    return guard('read quarantine', () => this.vault.readQuarantined(incidentId));
  }

  async deleteQuarantined(incidentId: string): Promise<boolean> {
    // Row first, file second: a crash in between leaves an unreferenced encrypted file (swept at
    // the next open), never a row pointing at a missing file.
    const { deleted, file } = await this.writes.run('delete quarantine', () => this.vault.deleteQuarantineRow(incidentId));
    if (file !== null) await guard('delete quarantine file', () => this.vault.removeFile(file));
    return deleted;
  }

  async dueNotices(limit: number): Promise<QueuedNotice[]> {
    return guardSync('due notices', () => this.notices.due(limit));
  }

  async markNotice(id: number, outcome: NoticeOutcome): Promise<void> {
    await this.writes.run('mark notice', () => this.notices.mark(id, outcome));
  }

  async capture(message: { sender: string; recipients: string[]; raw: Buffer }): Promise<number> {
    return this.writes.run('capture', () => this.vault.capture(message));
  }

  async listCaptured(limit: number): Promise<CapturedMessage[]> {
    return guardSync('list captured', () => this.vault.listCaptured(limit));
  }

  async readCaptured(id: number): Promise<Buffer | null> {
    return guardSync('read captured', () => this.vault.readCaptured(id));
  }

  async listIncidents(filter: IncidentFilter): Promise<Incident[]> {
    return guardSync('list incidents', () => {
      const where: string[] = [];
      const args: Record<string, unknown> = { limit: clampLimit(filter.limit, 100_000) };
      for (const key of ['status', 'classification', 'direction'] as const) {
        if (filter[key] !== undefined) {
          where.push(`${key} = @${key}`);
          args[key] = filter[key];
        }
      }
      if (filter.since !== undefined) {
        where.push('time >= @since');
        args.since = filter.since;
      }
      const sql = `SELECT * FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY time DESC, id DESC LIMIT @limit`;
      const rows = this.db.prepare(sql).all(args) as Row[];
      // one query for all their findings, not one per incident (review reads thousands at a time)
      const found = new Map<string, StoredFinding[]>();
      const findingsSql = `SELECT incident_id, header, masked, fingerprint, kind FROM findings WHERE incident_id IN (SELECT id FROM (${sql})) ORDER BY incident_id, seq`;
      for (const f of this.db.prepare(findingsSql).all(args) as (StoredFinding & { incident_id: string })[]) {
        const list = found.get(f.incident_id) ?? [];
        list.push({ header: f.header, masked: f.masked, fingerprint: f.fingerprint, kind: f.kind });
        found.set(f.incident_id, list);
      }
      return rows.map((r) => rowToIncident(r, found.get(String(r.id)) ?? []));
    });
  }

  async getIncident(id: string): Promise<Incident | null> {
    return guardSync('get incident', () => {
      const r = this.db.prepare('SELECT * FROM incidents WHERE id = ?').get(id) as Row | undefined;
      return r ? rowToIncident(r, this.findingsOf(id)) : null;
    });
  }

  async updateIncident(
    id: string,
    patch: Partial<Pick<Incident, 'status' | 'resolution' | 'classification' | 'classificationReason' | 'notice'>>,
  ): Promise<void> {
    const columns = { status: 'status', resolution: 'resolution', classification: 'classification', classificationReason: 'classification_reason', notice: 'notice' } as const;
    const sets: string[] = [];
    const args: Record<string, unknown> = { id };
    for (const [key, column] of Object.entries(columns)) {
      const value = patch[key as keyof typeof patch];
      if (value !== undefined) {
        sets.push(`${column} = @${column}`);
        args[column] = value;
      }
    }
    if (sets.length === 0) return;
    guardSync('update incident', () => {
      const info = this.db.prepare(`UPDATE incidents SET ${sets.join(', ')} WHERE id = @id`).run(args);
      if (info.changes === 0) throw new PvError('PV_INPUT_FORMAT', `no incident with id ${id}`);
    });
  }

  async listDecisions(filter: DecisionFilter): Promise<DecisionRecord[]> {
    return guardSync('list decisions', () => {
      const where: string[] = [];
      const args: Record<string, unknown> = { limit: clampLimit(filter.limit ?? 100_000, 100_000) };
      if (filter.since !== undefined) (where.push('time >= @since'), (args.since = filter.since));
      if (filter.until !== undefined) (where.push('time < @until'), (args.until = filter.until));
      if (filter.sender !== undefined) (where.push('sender = @sender'), (args.sender = filter.sender));
      const sql = `SELECT * FROM decisions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY time, id LIMIT @limit`;
      return (this.db.prepare(sql).all(args) as Row[]).map(rowToDecision);
    });
  }

  async addUser(user: DashboardUser, opts: { replace?: boolean } = {}): Promise<'created' | 'replaced'> {
    return guardSync('add user', () => {
      const exists = this.db.prepare('SELECT 1 FROM users WHERE name = ?').get(user.name) !== undefined;
      if (exists && !opts.replace) throw new PvError('PV_USAGE', `user '${user.name}' already exists (use --replace to set a new password)`);
      this.db
        .prepare('INSERT INTO users (name, password_hash, created_at, kind) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, kind = excluded.kind')
        .run(user.name, user.passwordHash, user.createdAt, user.kind ?? 'dashboard');
      return exists ? 'replaced' : 'created';
    });
  }

  async getUser(name: string): Promise<DashboardUser | null> {
    return guardSync('get user', () => {
      const r = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as Row | undefined;
      return r ? { name: String(r.name), passwordHash: String(r.password_hash), createdAt: String(r.created_at), kind: r.kind === 'smtp' ? 'smtp' : 'dashboard' } : null;
    });
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    await this.writes.run('close', () => undefined).catch(() => undefined); // let queued writes commit
    this.writes.syncNow();
    if (this.db.open) this.db.close();
  }

  private insertDecision(d: DecisionRecord): void {
    (this.decisionStmt ??= this.db
      .prepare(`INSERT INTO decisions (id, time, listener, direction, sender, recipients, action, reply, findings, incident_id, size, subject_masked)
        VALUES (@id, @time, @listener, @direction, @sender, @recipients, @action, @reply, @findings, @incident_id, @size, @subject_masked)`))
      .run(decisionToRow(d));
  }

  private insertIncident(i: Incident): void {
    this.db
      .prepare(`INSERT INTO incidents (id, time, direction, listener, sender, recipients, subject_masked, action, reply, notice, classification, classification_reason, status, resolution)
        VALUES (@id, @time, @direction, @listener, @sender, @recipients, @subject_masked, @action, @reply, @notice, @classification, @classification_reason, @status, @resolution)`)
      .run(incidentToRow(i));
    const add = this.db.prepare('INSERT INTO findings (incident_id, seq, header, masked, fingerprint, kind) VALUES (?, ?, ?, ?, ?, ?)');
    i.findings.map(storedFinding).forEach((f, seq) => add.run(i.id, seq, f.header, f.masked, f.fingerprint, f.kind));
  }

  private findingsOf(id: string): StoredFinding[] {
    return this.db.prepare('SELECT header, masked, fingerprint, kind FROM findings WHERE incident_id = ? ORDER BY seq').all(id) as StoredFinding[];
  }
}

/** the only rows committed without an fsync before they resolve: decisions of a plain pass (no incident) */
export function relaxedDecision(d: DecisionRecord): boolean {
  return d.action === 'pass' && d.incidentId === null;
}

function clampLimit(limit: number | undefined, max = 1000): number {
  return Math.max(1, Math.min(limit ?? 100, max));
}

/** Any non-PvError from SQLite or the file system becomes PV_STORE_UNAVAILABLE (gateway → 4xx). */
export function storeError(what: string, err: unknown): PvError {
  if (err instanceof PvError) return err;
  const e = err as { code?: string; message?: string };
  return new PvError('PV_STORE_UNAVAILABLE', `store: ${what} failed: ${e.code ?? ''} ${e.message ?? String(err)}`.trim(), { cause: err });
}

function guardSync<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw storeError(what, err);
  }
}

async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw storeError(what, err);
  }
}
