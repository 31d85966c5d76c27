// At-rest encryption for quarantined (and captured) mail: AES-256-GCM, a fresh random 96-bit
// nonce per message (NIST SP 800-38D §8.2.2), the row's id as additional authenticated data so a
// ciphertext cannot be swapped between rows, and the key id stored beside it. I/O: files only in
// sealToFile/openFile (tmp file, fsync, rename: a crash never leaves a half-written message).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PvError } from '../errors.ts';

const ALGORITHM = 'aes-256-gcm';

export interface Sealed {
  keyId: string;
  nonce: Buffer;
  tag: Buffer;
  size: number;
}

/** Short stable id of a key (not the key): lets a later key rotation find which key sealed a row. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('postvagt-key-id\0').update(key).digest('hex').slice(0, 16);
}

export function sealBuffer(key: Buffer, plain: Buffer, aad: string): Sealed & { ciphertext: Buffer } {
  const nonce = randomBytes(12);
  const cipher = createCipheriv(ALGORITHM, key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { keyId: keyId(key), nonce, tag: cipher.getAuthTag(), size: plain.length, ciphertext };
}

/** The current key plus earlier ones (after a rotation); the row's key id picks the right one. */
export type Keyring = readonly Buffer[];

export function openBuffer(keys: Keyring, s: Omit<Sealed, 'size'>, ciphertext: Buffer, aad: string): Buffer {
  const key = pickKey(keys, s.keyId, aad);
  try {
    const decipher = createDecipheriv(ALGORITHM, key, s.nonce);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(s.tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (err) {
    throw tampered(aad, err);
  }
}

/**
 * Encrypt a stream into `file` without holding it in memory: write to a temp file, fsync, rename.
 * The caller records nonce/tag/key id in the database only after this resolves.
 */
export async function sealToFile(key: Buffer, source: Readable | Buffer, file: string, aad: string): Promise<Sealed> {
  const nonce = randomBytes(12);
  const cipher = createCipheriv(ALGORITHM, key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      done(null, chunk);
    },
  });
  const tmp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
    // flush: fsync before close (Node ≥ 20.10), so the rename below publishes durable bytes
    await pipeline(input, count, cipher, createWriteStream(tmp, { flags: 'wx', mode: 0o600, flush: true }));
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await rename(tmp, file);
  await fsyncDir(dirname(file));
  return { keyId: keyId(key), nonce, tag: cipher.getAuthTag(), size };
}

export async function openFile(keys: Keyring, s: Omit<Sealed, 'size'>, file: string, aad: string): Promise<Buffer> {
  return openBuffer(keys, s, await readFile(file), aad);
}

/** RFC-less but POSIX: a rename is only durable once the directory entry is synced. */
export async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

function pickKey(keys: Keyring, expected: string, aad: string): Buffer {
  const key = keys.find((k) => keyId(k) === expected);
  if (!key) {
    const have = keys.map(keyId).join(', ');
    throw new PvError('PV_STORE_UNAVAILABLE', `${aad} was sealed with key id ${expected}, but the configured quarantine key has id ${have} (after a key rotation, list the old key under secrets.previous_quarantine_key_files)`);
  }
  return key;
}

function tampered(aad: string, cause: unknown): PvError {
  return new PvError('PV_STORE_UNAVAILABLE', `${aad} failed its integrity check (AES-GCM tag mismatch): the stored ciphertext was altered or is corrupt`, { cause });
}
