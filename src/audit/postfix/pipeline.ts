// A pipelined audit on two threads: a worker (pipe-worker.ts) reads, splits and parses the lines'
// prefixes while this thread runs the state machine on the records it posts. I/O: starts a worker
// thread, reads the files (only if the worker stops). Protects "the same report as runPart, and an
// audit never fails for want of a worker": if it cannot start or stops, this thread reads on from
// the last batch it fed.
import { Worker } from 'node:worker_threads';
import type { InputProgress } from '../input.ts';
import { Head } from './parse.ts';
import type { PostfixState } from './state.ts';
import { workerCode } from './bundle.ts';
import { unpackHead, STRIDE, type Batch, type FromWorker, type ToWorker } from './pipe-format.ts';
import { fileDone, newResult, partState, scanFrom, type Kept, type PartJob, type PartResult, type Position } from './part.ts';

/** a worker started ahead of its job (the bundle builds and the thread starts while the caller prepares) */
export interface PipeStart {
  worker: Promise<Worker>;
  /** set when the worker failed or exited before or while running (why) */
  stopped?: string;
}

export interface PipedResult extends PartResult {
  /** batches fed from the worker: 0 when it could not start */
  batches: number;
  /** why this thread read (some of) the files itself; undefined when the worker did all the reading */
  fallback?: string;
  /** main thread: ms feeding the state machine, ms waiting for batches; worker: ms waiting for a free slot */
  feedMs: number;
  idleMs: number;
  workerWaitMs: number;
  /** batch buffers the worker made (at most SLOTS: memory stays bounded whatever the file size) */
  slots: number;
}

/** Build the bundle and start the worker now; hand the result to runPipelined (or stopPipeline it). */
export function startPipeline(): PipeStart {
  const p: PipeStart = {
    worker: workerCode(new URL('./pipe-worker.ts', import.meta.url)).then((code) => {
      const w = new Worker(code, { eval: true, execArgv: [] });
      // an 'error' without a listener would throw in this thread
      w.on('error', (err) => { p.stopped ??= `audit worker failed: ${err.message}`; });
      w.once('exit', (c) => { p.stopped ??= `audit worker exited (${c})`; });
      return w;
    }),
  };
  p.worker.catch(() => undefined); // looked at in runPipelined; unhandled here would end the process
  return p;
}

/** Stop a started worker that is not (or no longer) needed. */
export async function stopPipeline(p: PipeStart): Promise<void> {
  const w = await p.worker.catch(() => undefined);
  await w?.terminate();
}

/** Feed one batch's records to the state machine, then release its bytes. */
function feedBatch(m: Batch, state: PostfixState, h: Head): void {
  h.buf = Buffer.from(m.bytes, 0, m.len);
  const recs = new Int32Array(m.recs, 0, m.n * STRIDE);
  for (let o = 0; o < recs.length; o += STRIDE) {
    unpackHead(recs, o, h);
    state.feed(h);
  }
  state.release();
}

/** what one pipelined pass works with */
interface Pass { w: Worker; job: PartJob; state: PostfixState; h: Head; out: PipedResult; at: Position; onProgress?: (p: InputProgress) => void }

/** One message from the worker; true when it has read every file. `at` follows what was fed. */
function consume(m: FromWorker, r: Pass): boolean {
  if (m.t === 'batch') {
    feedBatch(m, r.state, r.h);
    const back: ToWorker = { t: 'free', slot: { bytes: m.bytes, recs: m.recs } };
    r.w.postMessage(back, [m.bytes, m.recs]);
    r.out.batches++;
    r.at.file = m.file;
    r.at.st = m.st;
  } else if (m.t === 'file') {
    fileDone(r.out, r.job.files[m.file], m.st, m.error);
    r.at.file = m.file + 1;
    r.at.st = { lines: 0, garbled: 0, firstGarbled: 0 };
  } else {
    r.out.workerWaitMs = m.waitMs;
    r.out.slots = m.slots;
    return true;
  }
  if (m.progress !== undefined) r.onProgress?.(m.progress);
  return false;
}

/**
 * Run the worker to its end. Resolves undefined when it read every file, or the reason it stopped
 * (`at` then says where this thread must go on); rejects only when the state machine throws.
 */
function drive(r: Pass, p: PipeStart): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let idle = performance.now();
    let over = false;
    const stop = (why?: string, err?: unknown): void => {
      over = true; // a message already being dispatched must not be fed after this
      r.w.off('message', onMessage);
      r.w.off('exit', onExit);
      if (err !== undefined) reject(err);
      else resolve(why);
    };
    const onExit = (): void => stop(p.stopped ?? 'audit worker exited');
    const onMessage = (m: FromWorker): void => {
      if (over) return;
      const t = performance.now();
      r.out.idleMs += t - idle;
      try {
        if (consume(m, r)) return stop();
      } catch (err) {
        return stop(undefined, err);
      }
      idle = performance.now();
      r.out.feedMs += idle - t;
    };
    r.w.on('message', onMessage);
    r.w.once('exit', onExit);
    if (p.stopped !== undefined) return stop(p.stopped);
    const go: ToWorker = { t: 'job', files: r.job.files };
    r.w.postMessage(go);
  });
}

/**
 * The same contract and result as runPart (counts, kept messages in the same order, warnings,
 * lines), with the reading and prefix parsing in a worker thread. `pipe` is a worker started
 * earlier (startPipeline); it is stopped when this returns.
 */
export async function runPipelined(job: PartJob, sink: Kept, onProgress?: (p: InputProgress) => void,
  pipe: PipeStart = startPipeline()): Promise<PipedResult> {
  const out: PipedResult = { ...newResult(), batches: 0, feedMs: 0, idleMs: 0, workerWaitMs: 0, slots: 0 };
  const state = partState(job, out, sink);
  const at: Position = { file: 0, st: { lines: 0, garbled: 0, firstGarbled: 0 } };
  try {
    const w = await pipe.worker.catch((err: unknown) => {
      out.fallback = `no audit worker (${err instanceof Error ? err.message : String(err)})`;
      return undefined;
    });
    if (w !== undefined) out.fallback = await drive({ w, job, state, h: new Head(), out, at, onProgress }, pipe);
  } finally {
    await stopPipeline(pipe);
  }
  if (out.fallback === undefined) state.end();
  else await scanFrom(job.files, at, state, out, onProgress); // this thread reads on where the worker stopped
  return out;
}
