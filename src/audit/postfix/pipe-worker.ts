// The reading side of a pipelined audit (pipeline.ts), run in a worker thread: reads each file
// (plain or gzip), splits lines, parses each line's prefix (parseHead) and posts batches — the lines'
// bytes plus one record of the prefix per Postfix line — to the main thread, which runs the state
// machine. I/O: reads the log files. Protects "memory bounded whatever the file size": at most
// SLOTS batches are in flight; a slot is reused only after the main thread has released it.
import { parentPort } from 'node:worker_threads';
import { readChunks, type InputProgress } from '../input.ts';
import { describeError } from '../../errors.ts';
import { eachHead, type ScanStats } from './scan.ts';
import { CAP, SLOTS, STRIDE, packHead, type Batch, type Done, type FileEnd, type Slot, type ToWorker } from './pipe-format.ts';

const free: Slot[] = [];
let made = 0;
let wake: (() => void) | undefined;
let progress: InputProgress | undefined;
/** time spent waiting for the main thread to release a slot: when large, the state machine is the bottleneck */
let waitMs = 0;

async function takeSlot(need: number): Promise<Slot> {
  if (free.length === 0 && made >= SLOTS) {
    const t = performance.now();
    while (free.length === 0) await new Promise<void>((r) => { wake = r; });
    waitMs += performance.now() - t;
  }
  let slot = free.pop();
  if (slot === undefined) {
    made++;
    slot = { bytes: new ArrayBuffer(0), recs: new ArrayBuffer(CAP * STRIDE * 4) };
  }
  // a batch spans whole lines of one chunk: at most 2 MiB (input.ts), usually ~1 MiB
  if (slot.bytes.byteLength < need) slot.bytes = new ArrayBuffer(Math.max(need, 1 << 21));
  return slot;
}

/** copy [base, end) of the chunk into the slot and post it with its records (transferred, not copied) */
function post(slot: Slot, chunk: Buffer, base: number, end: number, n: number, file: number, st: ScanStats): void {
  new Uint8Array(slot.bytes).set(chunk.subarray(base, end));
  const b: Batch = { t: 'batch', file, len: end - base, n, bytes: slot.bytes, recs: slot.recs, st: { ...st }, progress };
  parentPort?.postMessage(b, [slot.bytes, slot.recs]);
}

/** where fill() stopped: the next line's start, records written, the end of the last recorded line */
const at = { s: 0, k: 0, last: 0 };
/**
 * Records per batch: small at first, so the main thread starts feeding while this thread's code is
 * still cold (interpreted), then doubling up to CAP.
 */
let cap = 256;

/**
 * Split, parse and record lines of `chunk` from `base` (scan.ts eachHead, the same loop as one
 * thread's) until `cap` records are written or the chunk ends. Synchronous on purpose: a loop with an
 * await in it keeps its variables in a heap context, which made this loop twice as slow.
 */
function fill(chunk: Buffer, base: number, recs: Int32Array, st: ScanStats): void {
  let k = 0;
  let last = base;
  at.s = eachHead(chunk, base, st, (h) => {
    if (k === cap) return false; // this line starts the next batch (parsed again there)
    packHead(h, base, recs, k++ * STRIDE);
    last = h.e;
    return true;
  });
  at.k = k;
  at.last = last;
}

/** One chunk of whole lines in batches of at most CAP records; all posted before readChunks reuses the chunk's buffer. */
async function scanChunk(chunk: Buffer, file: number, st: ScanStats): Promise<void> {
  let base = 0;
  do {
    const slot = await takeSlot(chunk.length - base);
    fill(chunk, base, new Int32Array(slot.recs), st);
    post(slot, chunk, base, at.last, at.k, file, st);
    cap = Math.min(CAP, cap * 2);
    base = at.s;
  } while (base < chunk.length);
}

async function run(files: string[]): Promise<void> {
  for (let f = 0; f < files.length; f++) {
    const st: ScanStats = { lines: 0, garbled: 0, firstGarbled: 0 };
    let error: string | undefined;
    try {
      for await (const chunk of readChunks(files[f], (p) => { progress = p; }, () => st.lines)) await scanChunk(chunk, f, st);
    } catch (err) {
      error = describeError(err);
    }
    const end: FileEnd = { t: 'file', file: f, st, error, progress };
    parentPort?.postMessage(end);
    progress = undefined;
  }
  const done: Done = { t: 'done', waitMs, slots: made };
  parentPort?.postMessage(done);
}

parentPort?.on('message', (m: ToWorker) => {
  if (m.t === 'free') {
    free.push(m.slot);
    wake?.();
    wake = undefined;
  } else {
    void run(m.files); // a rejection (a bug) ends the worker with an error: the main thread then goes on alone
  }
});
