// A parallel audit: every thread reads all the files, but follows only the queue ids of its own
// shards (state.ts Part); part 0 runs here, the others in worker threads. I/O: reads the files,
// starts worker threads. Protects "the same report as one thread": kept messages are merged back
// into single-threaded emission order, and a part that fails or disagrees makes the caller start over.
import { Worker } from 'node:worker_threads';
import type { InputProgress } from '../input.ts';
import type { MessageFate } from '../types.ts';
import type { EmitKey } from './state.ts';
import { runPart, type PartJob, type PartResult } from './part.ts';
import { workerCode } from './bundle.ts';

/** a kept message, already prepared (masked) by the main thread, and its place in emission order */
type KeptList<T> = [T, EmitKey][];
interface Batch { kept: [MessageFate, EmitKey][]; result?: PartResult }

/** one worker's part: its batches prepared into `into` as they arrive, then its counts */
function runWorker<T>(code: string, job: PartJob, started: Worker[], prepare: (m: MessageFate) => T,
  into: KeptList<T>): Promise<PartResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, execArgv: [], workerData: job });
    started.push(w);
    w.on('message', (b: Batch) => {
      for (const [m, k] of b.kept) into.push([prepare(m), k]);
      if (b.result !== undefined) resolve(b.result);
    });
    w.once('error', reject);
    w.once('exit', (c) => reject(new Error(`audit worker exited (${c}) without a result`)));
  });
}

/** ascending EmitKey order (line, group, item) */
function before(a: EmitKey, b: EmitKey): boolean {
  return a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] < b[2];
}

/** each list is in key order already (one part's emission order): a k-way merge */
function merge<T>(lists: KeptList<T>[], sink: (m: T) => void): void {
  const at = lists.map(() => 0);
  for (;;) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      if (at[i] < lists[i].length && (best < 0 || before(lists[i][at[i]][1], lists[best][at[best]][1]))) best = i;
    }
    if (best < 0) return;
    sink(lists[best][at[best]++][0]);
  }
}

/**
 * Run `threads` parts at once. Kept messages are prepared (masked) as they finish, so they wait in
 * the form the report keeps, then reach `sink` in single-threaded order. Undefined when a worker
 * could not start or run, or the parts read different line counts (a file changed under us): the
 * caller then audits single-threaded.
 */
export async function runParallel<T>(job: PartJob, threads: number, prepare: (m: MessageFate) => T,
  sink: (m: T) => void, onProgress?: (p: InputProgress) => void): Promise<PartResult | undefined> {
  let code: string;
  try {
    code = await workerCode(new URL('./worker.ts', import.meta.url));
  } catch {
    return undefined; // no esbuild (a trimmed install): one thread does it all
  }
  const started: Worker[] = [];
  const lists: KeptList<T>[] = Array.from({ length: threads }, () => []);
  const others = lists.slice(1).map((into, i) => runWorker(code, { ...job, part: { index: i + 1, of: threads } }, started, prepare, into));
  const own = runPart({ ...job, part: { index: 0, of: threads } }, (m, k) => { lists[0].push([prepare(m), k]); }, onProgress);
  let done: PartResult[];
  try {
    done = await Promise.all(others);
  } catch {
    await Promise.all(started.map((w) => w.terminate()));
    await own.catch(() => undefined);
    return undefined;
  }
  const r = await own;
  if (done.some((d) => d.lines !== r.lines)) return undefined;
  for (const d of done) {
    for (const [f, n] of Object.entries(d.messages)) r.messages[f as keyof typeof r.messages] += n;
    for (const [f, n] of Object.entries(d.recipients)) r.recipients[f as keyof typeof r.recipients] += n;
  }
  merge(lists, sink);
  return r;
}
