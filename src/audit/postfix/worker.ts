// A worker thread's side of a parallel audit (parallel.ts): runs one part of the state machine over
// all the files, posts the kept messages in batches as they finish, then its counts. I/O: reads the
// log files. Protects "nothing lost silently": a part that fails sends no result; the main thread starts over.
import { parentPort, workerData } from 'node:worker_threads';
import { runPart, type PartJob } from './part.ts';
import type { MessageFate } from '../types.ts';
import type { EmitKey } from './state.ts';

/** kept messages per message to the main thread: it masks them as they come, so few wait here */
const BATCH = 512;
const job = workerData as PartJob;
let kept: [MessageFate, EmitKey][] = [];
runPart(job, (m, at) => {
  kept.push([m, at]);
  if (kept.length >= BATCH) {
    parentPort?.postMessage({ kept });
    kept = [];
  }
}).then((r) => parentPort?.postMessage({ kept, result: r }));
