// The DATA stream split in two: the header block (bounded, read whole) and the body (streamed on).
// I/O: reads the smtp-server data stream; never holds more than max_header_size plus one chunk, so
// memory does not grow with message size (issue 3). Also RFC 5321 §4.5.2 dot-stuffing for the upstream.
import type { Readable } from 'node:stream';

export interface HeaderSplit {
  /** the header block up to and including the last header line's line ending */
  header: Buffer;
  /** what was read past the header block: the blank line and the start of the body */
  rest: Buffer;
  /** true when the header block did not end within the limit; the caller must drain and refuse */
  overflow: boolean;
}

/** the client went away before the end of DATA: what was read is incomplete and must not be committed */
export class ClientGone extends Error {
  constructor() {
    super('the client closed the connection before the end of DATA');
    this.name = 'ClientGone';
  }
}

// smtp-server destroys the DATA stream (without 'end') when the client disconnects or times out
// mid-message; a stream that ended normally has readableEnded set.
function checkGone(stream: Readable): void {
  if (stream.destroyed && !stream.readableEnded) throw new ClientGone();
}

/**
 * One wait for data on the DATA stream (at least one per mail). A class with bound listeners rather
 * than named closures: under tsx each named closure also costs a defineProperty (esbuild keepNames).
 */
class ReadableWait {
  private readonly onOk: () => void;
  private readonly onError: () => void;

  constructor(
    private readonly stream: Readable,
    private readonly resolve: () => void,
    private readonly reject: (err: Error) => void,
  ) {
    this.onOk = this.done.bind(this, false);
    this.onError = this.done.bind(this, true);
    stream.on('readable', this.onOk);
    stream.on('end', this.onOk);
    stream.on('close', this.onOk);
    stream.on('error', this.onError);
  }

  private done(failed: boolean): void {
    this.stream.off('readable', this.onOk);
    this.stream.off('end', this.onOk);
    this.stream.off('close', this.onOk);
    this.stream.off('error', this.onError);
    // the DATA stream's only error is smtp-server's "connection closed before the message was
    // received in full" (ECONNECTION): the client is gone
    if (failed) this.reject(new ClientGone());
    else this.resolve();
  }
}

function waitReadable(stream: Readable): Promise<void> {
  return new Promise((resolve, reject) => void new ReadableWait(stream, resolve, reject));
}

/** index where the blank line that ends the header block starts (RFC 5322 §2.1), or -1. Bare LF tolerated. */
export function headerEnd(buf: Buffer, from = 0): number {
  if (buf[0] === 0x0a || (buf[0] === 0x0d && buf[1] === 0x0a)) return 0;
  // rescan two bytes back: a "\n\r" at the end of the previous chunk may complete now
  let i = buf.indexOf(0x0a, Math.max(0, from - 2));
  while (i !== -1) {
    const a = buf[i + 1];
    if (a === 0x0a || (a === 0x0d && buf[i + 2] === 0x0a)) return i + 1;
    i = buf.indexOf(0x0a, i + 1);
  }
  return -1;
}

/** read until the header block ends, the stream ends, or `max` bytes were seen without an end */
export async function readHeaderBlock(stream: Readable, max: number): Promise<HeaderSplit> {
  let buf: Buffer = Buffer.alloc(0);
  for (;;) {
    const chunk = stream.read() as Buffer | null;
    if (chunk === null) {
      checkGone(stream);
      if (stream.readableEnded) return { header: buf, rest: Buffer.alloc(0), overflow: false };
      await waitReadable(stream);
      continue;
    }
    const from = buf.length;
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    const end = headerEnd(buf, from);
    if (end !== -1 && end <= max) return { header: buf.subarray(0, end), rest: buf.subarray(end), overflow: false };
    if (end !== -1 || buf.length > max) return { header: Buffer.alloc(0), rest: Buffer.alloc(0), overflow: true };
  }
}

/**
 * The chunks of a stream, read without taking ownership: leaving the loop early does not destroy the
 * stream (for-await over a Readable would), so smtp-server can still drain it and answer (STYLE 6).
 */
export async function* chunks(stream: Readable): AsyncGenerator<Buffer> {
  for (;;) {
    const chunk = stream.read() as Buffer | null;
    if (chunk !== null) {
      yield chunk;
      continue;
    }
    checkGone(stream);
    if (stream.readableEnded) return;
    await waitReadable(stream);
  }
}

/** read and discard the rest of a stream: DATA is always drained (STYLE 6) */
export async function drain(stream: Readable): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return;
  // a pending 'readable' listener would keep the stream paused (Node gives it precedence over resume)
  stream.removeAllListeners('readable');
  stream.resume();
  await new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

const DOT = Buffer.from('.');

/** RFC 5321 §4.5.2 transparency: a line starting with '.' gets one more. Streams across chunk borders. */
export class DotStuffer {
  private atLineStart = true;
  private endsWithLf = false;
  private any = false;

  push(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    const parts: Buffer[] = [];
    let start = 0;
    if (this.atLineStart && chunk[0] === 0x2e) parts.push(DOT);
    let i = chunk.indexOf('\n.');
    while (i !== -1) {
      parts.push(chunk.subarray(start, i + 1), DOT);
      start = i + 1;
      i = chunk.indexOf('\n.', i + 1);
    }
    this.atLineStart = chunk[chunk.length - 1] === 0x0a;
    this.endsWithLf = this.atLineStart;
    this.any = true;
    if (parts.length === 0) return chunk;
    parts.push(chunk.subarray(start));
    return Buffer.concat(parts);
  }

  /** the end-of-data marker, with a line ending first when the message did not end with one */
  end(): Buffer {
    return Buffer.from(this.endsWithLf || !this.any ? '.\r\n' : '\r\n.\r\n');
  }
}
