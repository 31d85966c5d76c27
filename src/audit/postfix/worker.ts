// A worker thread's side of a parallel audit (parallel.ts): runs one part of the state machine over
// all the files and posts its counts and kept messages back, once. I/O: reads the log files.
// Protects "nothing lost silently": a part that fails posts nothing, and the main thread starts over.
import { parentPort, workerData } from 'node:worker_threads';
import { runPart, type PartJob } from './part.ts';
import type { MessageFate } from '../types.ts';
import type { EmitKey } from './state.ts';

const job = workerData as PartJob;
const kept: [MessageFate, EmitKey][] = [];
runPart(job, (m, at) => { kept.push([m, at]); }).then((r) => parentPort?.postMessage({ ...r, kept }));
