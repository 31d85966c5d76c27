// Group commit: writes that arrive in the same event-loop turn share one SQLite transaction and
// therefore one fsync, instead of one fsync each blocking the SMTP event loop. Each write resolves
// only after the shared COMMIT returned, and runs in its own savepoint, so one bad write fails alone.
// I/O: the database passed in. Protects invariants 1 and 3 (see "Durability classes" below).
//
// Durability classes. A `durable` write (incidents, quarantine, queued notices, anything a 250 or a
// refusal depends on) commits with synchronous=FULL: the WAL is fsynced before the write resolves, so
// it survives a power loss. A `relaxed` write (the decision row of a plain pass, whose 250 rests on
// the upstream's own 250, not on our disk) commits with synchronous=NORMAL: no fsync, but in WAL
// mode the commit is in the OS page cache before it resolves, so it survives a crash or kill -9 of
// Postvagt. Only a power loss or kernel crash can lose it, and only until the WAL is next synced:
// the next FULL commit syncs the whole WAL (earlier frames included), and at most RELAXED_SYNC_MS
// after a relaxed commit a passive checkpoint syncs it anyway. What can be lost is a few audit
// rows of delivered mail, never a mail. Batches holding any durable write commit FULL.
import type Database from 'better-sqlite3';

interface Pending {
  what: string;
  fn: () => unknown;
  durable: boolean;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

type Failed = { ok: false; err: unknown };
type Outcome = { ok: true; value: unknown } | Failed;

/** SQLite result codes that say the store cannot write now, whatever the row (sqlite.org/rescode.html) */
const STORE_LEVEL = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|PROTOCOL|NOMEM|PERM|NOLFS)/;

function storeLevel(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORE_LEVEL.test(code);
}

/** the longest a relaxed commit stays unsynced (power-loss window), when no FULL commit came first */
export const RELAXED_SYNC_MS = 1000;

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  /** the connection's current synchronous level (PRAGMA synchronous is per connection) */
  private full = true;
  /** relaxed commits not yet covered by a WAL sync */
  private unsynced = false;
  private syncTimer: NodeJS.Timeout | null = null;
  private fault: unknown = null;

  // Built once: better-sqlite3's db.transaction() builds a new wrapper on every call, which cost
  // more (~10 µs each, measured here) than the INSERT it wraps. Inside `commitBatch`, `alone` runs
  // as a SAVEPOINT, so one failing write rolls back alone and the rest of the batch commits.
  private readonly commitBatch: Database.Transaction<(batch: Pending[], outcomes: Outcome[]) => void>;
  private readonly alone: (fn: () => unknown) => unknown;

  constructor(
    private readonly db: Database.Database,
    private readonly toError: (what: string, err: unknown) => Error,
    /** upper bound of writes per transaction, so one huge burst does not hold the loop long */
    private readonly maxBatch = 256,
  ) {
    this.alone = db.transaction((fn: () => unknown) => fn());
    this.commitBatch = db.transaction((batch: Pending[], outcomes: Outcome[]) => {
      for (const p of batch) {
        try {
          outcomes.push({ ok: true, value: this.alone(p.fn) });
        } catch (err) {
          outcomes.push({ ok: false, err });
        }
      }
    });
  }

  /**
   * Why the last write attempt failed, when it failed for the store's sake (lock, disk, I/O, closed)
   * rather than for its own row (a constraint); null once a write commits again. The gateway's
   * ping() reads it before every upstream commit (invariant 3), at no I/O cost.
   */
  get lastFault(): unknown {
    return this.fault;
  }

  /** queue a write; `durable: false` only for rows whose loss on power failure loses no mail */
  run<T>(what: string, fn: () => T, durable = true): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ what, fn, durable, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** sync what relaxed commits left unsynced (also called before close) */
  syncNow(): void {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = null;
    if (!this.unsynced || !this.db.open) return;
    this.unsynced = false;
    try {
      // WAL + synchronous=NORMAL: a checkpoint fsyncs the WAL first (sqlite.org/pragma.html#pragma_synchronous)
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // busy or closed: the next FULL commit or checkpoint syncs the WAL instead
    }
  }

  private setLevel(full: boolean): void {
    if (full === this.full) return;
    // allowed between transactions only, which is where flush() calls it. Never prepare it once and
    // re-run it: SQLite applies PRAGMA synchronous when the statement is compiled, so a re-run
    // statement silently leaves the level as it was (test/store/group-commit.test.ts catches that).
    this.db.pragma(full ? 'synchronous = FULL' : 'synchronous = NORMAL');
    this.full = full;
  }

  private flush(): void {
    const batch = this.queue.splice(0, this.maxBatch);
    this.scheduled = false;
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    const durable = batch.some((p) => p.durable);
    // a FULL commit syncs the WAL only if it wrote something: count changes while relaxed rows wait
    const changesBefore = durable && this.unsynced ? this.totalChanges() : 0;
    const outcomes: Outcome[] = [];
    try {
      this.setLevel(durable);
      // IMMEDIATE: the write lock is taken once, at BEGIN. Deferred, each write of the batch would
      // wait out the busy timeout on its own while another process holds the lock (loop stalled).
      this.commitBatch.immediate(batch, outcomes);
    } catch (err) {
      // BEGIN or COMMIT itself failed (locked, disk full, closed): nothing of the batch is durable
      this.fault = err;
      for (const p of batch) p.reject(this.toError(p.what, err));
      return;
    }
    if (outcomes.some((o) => o.ok)) this.fault = null;
    else this.fault = outcomes.find((o): o is Failed => !o.ok && storeLevel(o.err))?.err ?? this.fault;
    this.afterCommit(durable && (!this.unsynced || this.totalChanges() > changesBefore));
    batch.forEach((p, i) => {
      const o = outcomes[i];
      if (o.ok) p.resolve(o.value);
      else p.reject(this.toError(p.what, o.err));
    });
  }

  private totalChangesStmt: Database.Statement | null = null;
  private totalChanges(): number {
    return (this.totalChangesStmt ??= this.db.prepare('SELECT total_changes()').pluck()).get() as number;
  }

  /** `synced`: this commit was FULL and wrote to the WAL, so the WAL is on disk */
  private afterCommit(synced: boolean): void {
    if (synced) {
      // a FULL commit synced the WAL, earlier relaxed frames included
      this.unsynced = false;
      return;
    }
    this.unsynced = true;
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => this.syncNow(), RELAXED_SYNC_MS);
    this.syncTimer.unref();
  }
}
