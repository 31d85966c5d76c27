// Reads the header block of one RFC 5322 message (the bytes before the first empty line) from
// a file or a stream, without reading the body: a 50 MB attachment costs one chunk.
// I/O: file reads / stream reads. Protects STYLE 6: the header block is bounded (2 MiB).
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';

export const MAX_HEADER_BYTES = 2 * 1024 * 1024;
const CHUNK = 64 * 1024;

export interface HeaderBlock {
  bytes: Buffer;
  /** the block hit MAX_HEADER_BYTES before an empty line (only the first part was read) */
  truncated: boolean;
}

/** Index of the end of the header block in buf (before the empty line), or -1. */
export function headerEnd(buf: Buffer, from = 0): number {
  if (from === 0 && (buf[0] === 0x0a || (buf[0] === 0x0d && buf[1] === 0x0a))) return 0;
  let i = buf.indexOf(0x0a, Math.max(0, from - 2));
  while (i >= 0 && i + 1 < buf.length) {
    if (buf[i + 1] === 0x0a) return i + 1;
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return i + 1;
    if (buf[i + 1] === 0x0d && i + 2 >= buf.length) return -1; // undecided: need more bytes
    i = buf.indexOf(0x0a, i + 1);
  }
  return -1;
}

/** Header block of the message in file `path`; throws the fs error if it cannot be read. */
export async function readHeaderBlockFile(path: string): Promise<HeaderBlock> {
  const fh = await open(path, 'r');
  try {
    let buf = Buffer.alloc(0);
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await fh.read(chunk, 0, CHUNK, null);
      if (bytesRead === 0) return { bytes: buf, truncated: false };
      const from = buf.length;
      buf = Buffer.concat([buf, chunk.subarray(0, bytesRead)]);
      const end = headerEnd(buf, from);
      if (end >= 0) return { bytes: buf.subarray(0, end), truncated: false };
      if (buf.length >= MAX_HEADER_BYTES) return { bytes: buf.subarray(0, MAX_HEADER_BYTES), truncated: true };
    }
  } finally {
    await fh.close();
  }
}

/** Header block from a stream (stdin); stops listening at the empty line, leaving the rest. */
export function readHeaderBlockStream(stream: Readable): Promise<HeaderBlock> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const done = (block: HeaderBlock): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', reject);
      stream.pause();
      resolve(block);
    };
    const onData = (chunk: Buffer | string): void => {
      const from = buf.length;
      buf = Buffer.concat([buf, typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk]);
      const end = headerEnd(buf, from);
      if (end >= 0) done({ bytes: buf.subarray(0, end), truncated: false });
      else if (buf.length >= MAX_HEADER_BYTES) done({ bytes: buf.subarray(0, MAX_HEADER_BYTES), truncated: true });
    };
    const onEnd = (): void => done({ bytes: buf, truncated: false });
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', reject);
    stream.resume();
  });
}
