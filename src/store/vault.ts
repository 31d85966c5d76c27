// Encrypted mail at rest: quarantined messages and the development capture mailbox. Small
// messages are sealed inline in SQLite; large ones (and streams) go to an encrypted file under
// data_dir/quarantine so memory stays bounded. I/O: those files. Invariant 2: raw mail (which may
// hold CPR numbers in headers and body) is never written unencrypted.
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { openBuffer, openFile, sealBuffer, sealToFile, type Sealed } from './crypto.ts';
import type { Row } from './rows.ts';
import type { CapturedMessage } from './types.ts';
import { maskText } from '../detect/index.ts';

/** Buffers up to this size are stored inline; larger ones and all streams go to a file. */
export const INLINE_LIMIT = 256 * 1024;

export type SealedMessage = Sealed & { ciphertext: Buffer | null; file: string | null };

export class MailVault {
  constructor(
    private readonly db: Database.Database,
    private readonly key: Buffer,
    private readonly dir: string,
    private readonly clock: () => Date,
    /** earlier keys, for reading only: new messages are always sealed with `key` */
    private readonly previous: readonly Buffer[] = [],
  ) {}

  private get keyring(): Buffer[] {
    return [this.key, ...this.previous];
  }

  /** Encrypt (and for files: write + fsync) before any row refers to it. */
  async seal(incidentId: string, message: Buffer | Readable): Promise<SealedMessage> {
    const aad = quarantineAad(incidentId);
    if (Buffer.isBuffer(message) && message.length <= INLINE_LIMIT) {
      const s = sealBuffer(this.key, message, aad);
      return { ...s, file: null };
    }
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const name = `${randomUUID()}.pvq`;
    const s = await sealToFile(this.key, message, join(this.dir, name), aad);
    return { ...s, ciphertext: null, file: name };
  }

  /**
   * A crash between sealing a file and committing its row leaves an encrypted file no row refers
   * to (and a crash mid-write, a .tmp file). Remove those once they are clearly abandoned: another
   * process (`postvagt user add`) may open the store while the gateway is between the two steps.
   */
  sweepOrphans(minAgeMs = 3_600_000): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const known = new Set((this.db.prepare('SELECT file FROM quarantine WHERE file IS NOT NULL').all() as { file: string }[]).map((r) => r.file));
    const cutoff = this.clock().getTime() - minAgeMs;
    const removed: string[] = [];
    for (const name of names) {
      if (known.has(name) || !/\.pvq(\.tmp-[0-9a-f]+)?$/.test(name)) continue;
      const path = join(this.dir, name);
      try {
        if (statSync(path).mtimeMs < cutoff) {
          unlinkSync(path);
          removed.push(name);
        }
      } catch {
        // gone meanwhile or not removable: a leftover file must never stop the store from opening
      }
    }
    return removed;
  }

  async discardSealed(s: SealedMessage): Promise<void> {
    if (s.file) await unlink(join(this.dir, s.file)).catch(() => undefined);
  }

  insertQuarantine(incidentId: string, s: SealedMessage): void {
    this.db
      .prepare('INSERT INTO quarantine (incident_id, time, key_id, nonce, tag, size, ciphertext, file) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(incidentId, this.clock().toISOString(), s.keyId, s.nonce, s.tag, s.size, s.ciphertext, s.file);
  }

  async readQuarantined(incidentId: string): Promise<Buffer | null> {
    const r = this.db.prepare('SELECT * FROM quarantine WHERE incident_id = ?').get(incidentId) as Row | undefined;
    if (!r) return null;
    const s = { keyId: String(r.key_id), nonce: r.nonce as Buffer, tag: r.tag as Buffer };
    const aad = quarantineAad(incidentId);
    if (r.file !== null) return openFile(this.keyring, s, join(this.dir, String(r.file)), aad);
    return openBuffer(this.keyring, s, r.ciphertext as Buffer, aad);
  }

  /** Drop the row (with any inline ciphertext); returns the file to unlink once that has committed. */
  deleteQuarantineRow(incidentId: string): { deleted: boolean; file: string | null } {
    const r = this.db.prepare('SELECT file FROM quarantine WHERE incident_id = ?').get(incidentId) as Row | undefined;
    if (!r) return { deleted: false, file: null };
    this.db.prepare('DELETE FROM quarantine WHERE incident_id = ?').run(incidentId);
    return { deleted: true, file: r.file === null ? null : String(r.file) };
  }

  /** Unlink an encrypted file whose row is gone; one left behind is swept as an orphan at the next open. */
  async removeFile(file: string): Promise<void> {
    await unlink(join(this.dir, file)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /** The embedded capture mailbox (development upstream): sealed too, since delivered mail may carry numbers in its body. */
  capture(m: { sender: string; recipients: string[]; raw: Buffer }): number {
    const ref = randomUUID();
    const s = sealBuffer(this.key, m.raw, captureAad(ref));
    const info = this.db
      .prepare('INSERT INTO captured (ref, time, sender, recipients, size, key_id, nonce, tag, ciphertext) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(ref, this.clock().toISOString(), maskText(m.sender), JSON.stringify(m.recipients.map((r) => maskText(r))), s.size, s.keyId, s.nonce, s.tag, s.ciphertext);
    return Number(info.lastInsertRowid);
  }

  listCaptured(limit: number): CapturedMessage[] {
    const rows = this.db
      .prepare('SELECT id, time, sender, recipients, size FROM captured ORDER BY id DESC LIMIT ?')
      .all(Math.max(1, Math.min(limit, 1000))) as Row[];
    return rows.map((r) => ({
      id: Number(r.id),
      time: String(r.time),
      sender: String(r.sender),
      recipients: JSON.parse(String(r.recipients)) as string[],
      size: Number(r.size),
    }));
  }

  readCaptured(id: number): Buffer | null {
    const r = this.db.prepare('SELECT * FROM captured WHERE id = ?').get(id) as Row | undefined;
    if (!r) return null;
    const s = { keyId: String(r.key_id), nonce: r.nonce as Buffer, tag: r.tag as Buffer };
    return openBuffer(this.keyring, s, r.ciphertext as Buffer, captureAad(String(r.ref)));
  }
}

function quarantineAad(incidentId: string): string {
  return `quarantine ${incidentId}`;
}

function captureAad(ref: string): string {
  return `captured ${ref}`;
}

