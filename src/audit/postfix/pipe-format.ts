// The messages between a pipelined audit's reading worker (pipe-worker.ts) and its main thread
// (pipeline.ts), and the packed record of one line's prefix (a Head) in an Int32Array. No I/O.
// Protects "the main thread sees exactly the Head parseHead made": pack and unpack are one pair, here.
import type { InputProgress } from '../input.ts';
import type { Head } from './parse.ts';
import type { ScanStats } from './scan.ts';

/** Int32 fields per record, and records per batch (~1 MiB of lines; 480 KiB of records) */
export const STRIDE = 15;
export const CAP = 8192;
/** batches in flight at most (back-pressure): one being fed, one waiting, one being filled, one spare */
export const SLOTS = 4;

/** a batch's two buffers: they travel to the main thread and back (transferred, never copied) */
export interface Slot { bytes: ArrayBuffer; recs: ArrayBuffer }

/** `len` bytes of whole lines of file `file`, `n` records; `st` counts that file's lines up to the batch's end */
export interface Batch extends Slot { t: 'batch'; file: number; len: number; n: number; st: ScanStats; progress?: InputProgress }
/** a file read to its end (or to a read error, as the warning text runPart would give) */
export interface FileEnd { t: 'file'; file: number; st: ScanStats; error?: string; progress?: InputProgress }
/** all files read; how long the worker waited for a free slot (the state machine was the bottleneck), slots made */
export interface Done { t: 'done'; waitMs: number; slots: number }
export type FromWorker = Batch | FileEnd | Done;
export type ToWorker = { t: 'job'; files: string[] } | { t: 'free'; slot: Slot };

/**
 * Head → record at `o`, positions relative to `base` (where the batch's bytes begin). The sentinels
 * keep their meaning: pidS = pidE = -1 (no [pid]) and an empty queue id (qidS = qidE) stay as they are.
 */
export function packHead(h: Head, base: number, r: Int32Array, o: number): void {
  r[o] = h.s - base;
  r[o + 1] = h.e - base;
  r[o + 2] = (h.month + 1) | (h.day << 4) | (h.daemon << 9) | (h.noqueue ? 1 << 12 : 0);
  r[o + 3] = h.stampS - base;
  r[o + 4] = h.stampE - base;
  r[o + 5] = h.hostS - base;
  r[o + 6] = h.hostE - base;
  r[o + 7] = h.nameS - base;
  r[o + 8] = h.nameE - base;
  r[o + 9] = h.pidS < 0 ? -1 : h.pidS - base;
  r[o + 10] = h.pidS < 0 ? -1 : h.pidE - base;
  const noQid = h.qidE === h.qidS;
  r[o + 11] = noQid ? 0 : h.qidS - base;
  r[o + 12] = noQid ? 0 : h.qidE - base;
  r[o + 13] = h.qidHash;
  r[o + 14] = h.textS - base;
}

/** record at `o` → `h` (whose `buf` is the batch's bytes) */
export function unpackHead(r: Int32Array, o: number, h: Head): void {
  h.s = r[o];
  h.e = r[o + 1];
  const p = r[o + 2];
  h.month = (p & 15) - 1;
  h.day = (p >> 4) & 31;
  h.daemon = (p >> 9) & 7;
  h.noqueue = (p & 4096) !== 0;
  h.stampS = r[o + 3];
  h.stampE = r[o + 4];
  h.hostS = r[o + 5];
  h.hostE = r[o + 6];
  h.nameS = r[o + 7];
  h.nameE = r[o + 8];
  h.pidS = r[o + 9];
  h.pidE = r[o + 10];
  h.qidS = r[o + 11];
  h.qidE = r[o + 12];
  h.qidHash = r[o + 13];
  h.textS = r[o + 14];
}
