// Streaming readers for audit inputs: plain or gzip (told apart by the magic bytes, not the name),
// any size — raw byte chunks of whole lines in two reused buffers (readChunks), or decoded lines.
// I/O: reads files. Protects "bad input gets a precise message naming the file, the rest continues".
import { open, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { PvError } from '../errors.ts';

export interface InputProgress { file: string; bytesRead: number; totalBytes: number }

const CHUNK = 1 << 20;
/** A "line" longer than this without LF is garbage; it is cut so memory stays bounded. */
const MAX_LINE = 1 << 20;

/** Checks that `file` is a readable, non-directory file; returns its size. Throws PV_INPUT_UNREADABLE. */
export async function checkInput(file: string): Promise<number> {
  let size: number;
  try {
    const st = await stat(file);
    if (st.isDirectory()) throw new PvError('PV_INPUT_UNREADABLE', 'is a directory, not a log file (give the files inside it)', { file });
    size = st.size;
    const fh = await open(file, 'r');
    await fh.close();
  } catch (err) {
    if (err instanceof PvError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot open (${code ?? String(err)})`;
    throw new PvError('PV_INPUT_UNREADABLE', why, { file, cause: err });
  }
  return size;
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b; // RFC 1952 §2.3.1 ID1 ID2
  } finally {
    await fh.close();
  }
}

function openStream(file: string, gz: boolean, onRaw: (n: number) => void): Readable {
  const raw = createReadStream(file, { highWaterMark: CHUNK });
  raw.on('data', (b) => onRaw((b as Buffer).length));
  if (!gz) return raw;
  const gunzip = createGunzip({ chunkSize: CHUNK });
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

/**
 * Lines in batches (one array per chunk) — the fast path for parsers. CR before LF is dropped.
 * Throws PvError PV_INPUT_UNREADABLE naming the file (missing, directory, corrupt gzip…).
 */
export async function* readLineBatches(file: string, onProgress?: (p: InputProgress) => void): AsyncGenerator<string[]> {
  const totalBytes = await checkInput(file);
  if (totalBytes === 0) return;
  const gz = await isGzip(file);
  let bytesRead = 0;
  const stream = openStream(file, gz, (n) => {
    bytesRead += n;
    onProgress?.({ file, bytesRead, totalBytes });
  });
  let carry: Buffer | null = null;
  let lineNo = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      // one decode per line (memchr-fast indexOf): each line is its own flat string, so state that
      // keeps a piece of a line does not pin a whole 1 MiB chunk in memory (V8 sliced strings)
      const lines: string[] = [];
      let start = 0;
      let end: number;
      while ((end = buf.indexOf(10, start)) >= 0) {
        lines.push(buf.toString('utf8', start, end > start && buf[end - 1] === 13 ? end - 1 : end));
        start = end + 1;
      }
      const rest = buf.length - start;
      carry = rest > 0 && rest <= MAX_LINE ? Buffer.from(buf.subarray(start)) : null;
      if (rest > MAX_LINE) lines.push(buf.toString('utf8', start, start + 4096));
      lineNo += lines.length;
      if (lines.length > 0) yield lines;
    }
  } catch (err) {
    const what = gz ? 'gzip data is corrupt or truncated' : 'read failed';
    throw new PvError('PV_INPUT_UNREADABLE', `${what} after line ${lineNo} (${(err as Error).message}); the rest of this file was not read`, { file, cause: err });
  } finally {
    stream.destroy();
  }
  if (carry && carry.length > 0) {
    const s = carry.toString('utf8');
    yield [s.endsWith('\r') ? s.slice(0, -1) : s];
  }
}

/**
 * Raw bytes in chunks of whole lines (the last chunk's last line may lack its LF), for parsers
 * that work on bytes. Each chunk is a view of one reused buffer: valid only until the next
 * iteration, so nothing may keep it (decode what you keep). `linesRead` names the position in
 * error messages. Throws PvError PV_INPUT_UNREADABLE naming the file, like readLineBatches.
 */
export async function* readChunks(file: string, onProgress?: (p: InputProgress) => void,
  linesRead: () => number = () => 0): AsyncGenerator<Buffer> {
  const totalBytes = await checkInput(file);
  if (totalBytes === 0) return;
  const gz = await isGzip(file);
  let bytesRead = 0;
  const count = (n: number) => {
    bytesRead += n;
    onProgress?.({ file, bytesRead, totalBytes });
  };
  const source = gz ? gunzipSource(file, count) : await plainSource(file, count);
  // two buffers: the next read runs while the caller parses the current one (room for one
  // MAX_LINE carry plus a CHUNK read each)
  let cur = Buffer.allocUnsafe(MAX_LINE + CHUNK);
  let next = Buffer.allocUnsafe(MAX_LINE + CHUNK);
  let have = 0;
  let ahead: Promise<number> | null = null;
  try {
    for (;;) {
      const n = ahead !== null ? await ahead : await source.read(cur, have, cur.length - have);
      ahead = null;
      if (n === 0) break;
      have += n;
      const last = cur.lastIndexOf(10, have - 1);
      if (last < 0 && have < MAX_LINE) continue;
      // a "line" of MAX_LINE bytes without LF is garbage: handed on as is, so memory stays bounded
      const cut = last < 0 ? have : last + 1;
      const carry = cur.copy(next, 0, cut, have);
      ahead = source.read(next, carry, next.length - carry);
      yield cur.subarray(0, cut);
      [cur, next] = [next, cur];
      have = carry;
    }
  } catch (err) {
    const what = gz ? 'gzip data is corrupt or truncated' : 'read failed';
    throw new PvError('PV_INPUT_UNREADABLE', `${what} after line ${linesRead()} (${(err as Error).message}); the rest of this file was not read`, { file, cause: err });
  } finally {
    if (ahead !== null) await ahead.catch(() => 0); // never close the file under a running read
    await source.close();
  }
  if (have > 0) yield cur.subarray(0, have);
}

interface ByteSource { read(buf: Buffer, at: number, max: number): Promise<number>; close(): Promise<void> }

/** a plain file read straight into the caller's buffer: no chunk allocation, no copy */
async function plainSource(file: string, count: (n: number) => void): Promise<ByteSource> {
  const fh = await open(file, 'r');
  return {
    async read(buf, at, max) {
      const { bytesRead } = await fh.read(buf, at, Math.min(max, CHUNK), null);
      if (bytesRead > 0) count(bytesRead);
      return bytesRead;
    },
    close: () => fh.close(),
  };
}

/** gzip: the inflated stream's chunks copied into the caller's buffer */
function gunzipSource(file: string, count: (n: number) => void): ByteSource {
  const stream = openStream(file, true, count);
  const it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let pending: Buffer | null = null;
  return {
    async read(buf, at, max) {
      if (pending === null || pending.length === 0) {
        const r = await it.next();
        if (r.done) return 0;
        pending = r.value;
      }
      const n = pending.copy(buf, at, 0, Math.min(max, pending.length));
      pending = pending.subarray(n);
      return n;
    },
    close: async () => { stream.destroy(); },
  };
}

/** One line at a time (contract for other audit parsers). Same errors as readLineBatches. */
export async function* readLines(file: string, onProgress?: (p: InputProgress) => void): AsyncGenerator<string> {
  for await (const batch of readLineBatches(file, onProgress)) yield* batch;
}
