// Numbered schema migrations for the SQLite store, applied in order inside one transaction each
// and recorded in schema_migrations. I/O: migrate() runs them on the connection sqlite.ts opened.
// Invariant 3: `decisions` is append-only — triggers refuse any change to a written row.
// Plain SQL types (TEXT, INTEGER, BLOB) so the PostgreSQL store can mirror them (BYTEA, BIGINT).
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'decisions, incidents, findings, quarantine, notices, captured, users',
    sql: `
      CREATE TABLE decisions (
        id TEXT PRIMARY KEY,
        time TEXT NOT NULL,
        listener TEXT NOT NULL,
        direction TEXT NOT NULL,
        sender TEXT NOT NULL,
        recipients TEXT NOT NULL,          -- JSON array
        action TEXT NOT NULL,
        reply TEXT NOT NULL,
        findings TEXT NOT NULL,            -- JSON array of {header, masked, fingerprint, kind}
        incident_id TEXT,
        size INTEGER,
        subject_masked TEXT NOT NULL
      );
      CREATE INDEX decisions_time ON decisions (time);
      CREATE INDEX decisions_incident ON decisions (incident_id);
      CREATE TRIGGER decisions_append_only_u BEFORE UPDATE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
      CREATE TRIGGER decisions_append_only_d BEFORE DELETE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;

      CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        time TEXT NOT NULL,
        direction TEXT NOT NULL,
        listener TEXT NOT NULL,
        sender TEXT NOT NULL,
        recipients TEXT NOT NULL,          -- JSON array
        subject_masked TEXT NOT NULL,
        action TEXT NOT NULL,
        reply TEXT NOT NULL,
        notice TEXT NOT NULL,
        classification TEXT NOT NULL,
        classification_reason TEXT NOT NULL,
        status TEXT NOT NULL,
        resolution TEXT
      );
      CREATE INDEX incidents_time ON incidents (time);

      CREATE TABLE findings (
        incident_id TEXT NOT NULL REFERENCES incidents (id),
        seq INTEGER NOT NULL,
        header TEXT NOT NULL,
        masked TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        kind TEXT NOT NULL,
        PRIMARY KEY (incident_id, seq)
      );
      CREATE INDEX findings_fingerprint ON findings (fingerprint);

      CREATE TABLE quarantine (
        incident_id TEXT PRIMARY KEY REFERENCES incidents (id),
        time TEXT NOT NULL,
        key_id TEXT NOT NULL,
        nonce BLOB NOT NULL,
        tag BLOB NOT NULL,
        size INTEGER NOT NULL,
        ciphertext BLOB,                   -- small messages inline
        file TEXT                          -- large ones: encrypted file under data_dir/quarantine
      );

      CREATE TABLE notices (
        id INTEGER PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents (id),
        envelope_from TEXT NOT NULL,
        recipient TEXT NOT NULL,
        raw BLOB NOT NULL,
        status TEXT NOT NULL,              -- queued | sent | failed
        attempts INTEGER NOT NULL,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX notices_due ON notices (status, next_attempt_at);

      CREATE TABLE captured (
        id INTEGER PRIMARY KEY,
        ref TEXT NOT NULL UNIQUE,          -- random; binds the ciphertext to its row (AES-GCM AAD)
        time TEXT NOT NULL,
        sender TEXT NOT NULL,
        recipients TEXT NOT NULL,
        size INTEGER NOT NULL,
        key_id TEXT NOT NULL,
        nonce BLOB NOT NULL,
        tag BLOB NOT NULL,
        ciphertext BLOB NOT NULL
      );

      CREATE TABLE users (
        name TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,       -- scrypt$N$r$p$salt$hash
        created_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'users.kind: dashboard users and SMTP AUTH relay accounts are separate',
    sql: `ALTER TABLE users ADD COLUMN kind TEXT NOT NULL DEFAULT 'dashboard';`,
  },
  {
    // Every relayed mail writes one decision row in its own commit. In the v1 layout that row went
    // into four B-trees (the rowid table, the TEXT primary key's index, decisions_time and
    // decisions_incident), so each commit appended four WAL pages. Clustered by (time, id) the row
    // goes into one; the incident index only holds rows that have an incident (a plain pass has
    // none). Same columns, same order; rows are copied, never changed (invariant 3).
    // Trade-off, chosen: the key is (time, id), so the database no longer refuses a second row with
    // the same id at another time. Ids are a per-process random prefix (50 bits) and a counter
    // (gateway/ingress.ts), so they do not repeat; a UNIQUE (id) index would bring back one of the
    // three pages per mail this saves.
    // A PostgreSQL store (not built yet) should mirror this: PRIMARY KEY (time, id), a partial index.
    version: 3,
    name: 'decisions clustered by (time, id); incident index only for rows with an incident',
    sql: `
      CREATE TABLE decisions_v3 (
        id TEXT NOT NULL,
        time TEXT NOT NULL,
        listener TEXT NOT NULL,
        direction TEXT NOT NULL,
        sender TEXT NOT NULL,
        recipients TEXT NOT NULL,          -- JSON array
        action TEXT NOT NULL,
        reply TEXT NOT NULL,
        findings TEXT NOT NULL,            -- JSON array of {header, masked, fingerprint, kind}
        incident_id TEXT,
        size INTEGER,
        subject_masked TEXT NOT NULL,
        PRIMARY KEY (time, id)
      ) WITHOUT ROWID;
      INSERT INTO decisions_v3 (id, time, listener, direction, sender, recipients, action, reply, findings, incident_id, size, subject_masked)
        SELECT id, time, listener, direction, sender, recipients, action, reply, findings, incident_id, size, subject_masked
        FROM decisions ORDER BY time, id;
      DROP TABLE decisions;                -- its indexes and append-only triggers go with it
      ALTER TABLE decisions_v3 RENAME TO decisions;
      CREATE INDEX decisions_incident ON decisions (incident_id) WHERE incident_id IS NOT NULL;
      CREATE TRIGGER decisions_append_only_u BEFORE UPDATE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
      CREATE TRIGGER decisions_append_only_d BEFORE DELETE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
    `,
  },
];

/** apply the migrations this database has not had yet (a new database gets all of them) */
/** what an upgrade did: schema version before (0 for a new database) and after, names applied */
export interface Migrated {
  from: number;
  to: number;
  names: string[];
}

/** bring the schema up to date; returns what was applied, or null when it already was */
export function migrate(db: Database.Database): Migrated | null {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const todo = MIGRATIONS.filter((m) => !done.has(m.version));
  for (const m of todo) {
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    })();
  }
  // A migration that rebuilds a table (3: decisions) writes all of it to the WAL once; give that
  // disk space back now instead of keeping a WAL file the size of the table (busy readers: later).
  if (todo.length > 0 && done.size > 0) db.pragma('wal_checkpoint(TRUNCATE)');
  if (todo.length === 0) return null;
  return { from: Math.max(0, ...done), to: Math.max(...todo.map((m) => m.version)), names: todo.map((m) => m.name) };
}
