// Group commit: writes that arrive in the same event-loop turn share one SQLite transaction and
// therefore one fsync (synchronous=FULL), instead of one fsync each blocking the SMTP event loop.
// Each write still resolves only after the shared COMMIT returned — durable before any 250
// (invariant 1). Each write runs in its own savepoint, so one bad write fails alone.
// I/O: the database passed in.
import type Database from 'better-sqlite3';

interface Pending {
  what: string;
  fn: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Database.Database,
    private readonly toError: (what: string, err: unknown) => Error,
    /** upper bound of writes per transaction, so one huge burst does not hold the loop long */
    private readonly maxBatch = 256,
  ) {}

  run<T>(what: string, fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ what, fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.queue.splice(0, this.maxBatch);
    this.scheduled = false;
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    try {
      this.db.transaction(() => {
        for (const p of batch) {
          try {
            // a nested better-sqlite3 transaction is a SAVEPOINT: a failing write rolls back alone
            outcomes.push({ ok: true, value: this.db.transaction(p.fn)() });
          } catch (err) {
            outcomes.push({ ok: false, err });
          }
        }
      })();
    } catch (err) {
      // BEGIN or COMMIT itself failed (disk full, database closed): nothing of the batch is durable
      for (const p of batch) p.reject(this.toError(p.what, err));
      return;
    }
    batch.forEach((p, i) => {
      const o = outcomes[i];
      if (o.ok) p.resolve(o.value);
      else p.reject(this.toError(p.what, o.err));
    });
  }
}
