// `auditPostfix`: every queue id's fate from Postfix logs — rotated files in any order (sorted by
// their first timestamp), plain or .gz, streamed; a year for the classic syslog form, with Dec→Jan rollover.
// I/O: reads the files. Protects: an unreadable file is a warning, the rest is still audited.
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { readLineBatches, checkInput, type InputProgress } from '../input.ts';
import { emptyCounts, type AuditResult, type MessageFate } from '../types.ts';
import { describeError } from '../../errors.ts';
import { parseLine, type LogLine } from './parse.ts';
import { maskMessage } from './mask.ts';
import { runPart, type PartJob } from './part.ts';
import { runParallel } from './parallel.ts';
import { runPipelined, startPipeline, stopPipeline, type PipeStart } from './pipeline.ts';
import { SHARDS } from './qids.ts';

export { parseLine } from './parse.ts';
export { PostfixState } from './state.ts';
export { SyslogClock } from './clock.ts';

export interface PostfixAuditOptions {
  /** year of the first classic-syslog line (default: this year, or last year if that month is still ahead) */
  year?: number;
  onProgress?: (p: InputProgress) => void;
  /** which per-message rows to keep: all (CSV), problems (default: everything not delivered), none */
  rows?: 'all' | 'problems' | 'none';
  /** clock for the default year (tests) */
  now?: Date;
  /** threads to audit with, 1–16 (worker threads following a share of the queue ids each); default POSTVAGT_AUDIT_THREADS or 1 */
  threads?: number;
  /**
   * one thread (threads ≤ 1): read and parse in a worker thread beside the state machine; default
   * POSTVAGT_AUDIT_PIPELINE=1/0, else on for inputs of 64 MiB or more when the machine has a second CPU
   */
  pipeline?: boolean;
}

const YEAR_SECONDS = 366 * 86400;

function secondsInYear(l: LogLine): number {
  const [h, m, s] = l.stamp.split(':').map((x) => Number.parseInt(x, 10) || 0);
  return ((l.month ?? 0) * 31 + (l.day ?? 1)) * 86400 + h * 3600 + m * 60 + s;
}

/** the file's first Postfix line; reads on to the end if need be, so "none" is true of the whole file */
async function firstLine(file: string): Promise<LogLine | undefined> {
  for await (const batch of readLineBatches(file)) {
    for (const line of batch) {
      const l = parseLine(line);
      if (l) return l;
    }
  }
  return undefined;
}

/**
 * Order files by first timestamp. Without a year, a set spanning New Year sorts as Jan…Dec;
 * the biggest gap between neighbours (circularly) marks where the set really begins.
 */
export function orderFiles(items: { file: string; first: LogLine }[]): string[] {
  const iso = items.filter((i) => i.first.month === undefined).sort((a, b) => Date.parse(a.first.stamp) - Date.parse(b.first.stamp));
  const classic = items.filter((i) => i.first.month !== undefined).map((i) => ({ ...i, k: secondsInYear(i.first) }));
  classic.sort((a, b) => a.k - b.k);
  let start = 0;
  let gap = classic.length > 0 ? classic[0].k + YEAR_SECONDS - classic[classic.length - 1].k : 0;
  for (let i = 0; i + 1 < classic.length; i++) {
    if (classic[i + 1].k - classic[i].k > gap) { gap = classic[i + 1].k - classic[i].k; start = i + 1; }
  }
  const rotated = [...classic.slice(start), ...classic.slice(0, start)];
  return [...iso.map((i) => i.file), ...rotated.map((i) => i.file)];
}

function defaultYear(first: LogLine | undefined, now: Date): number {
  const y = now.getFullYear();
  return first?.month !== undefined && first.month > now.getMonth() ? y - 1 : y;
}

/** Check the inputs; unreadable, empty and non-Postfix ones become warnings and are left out. */
async function prepare(files: string[], warnings: string[]): Promise<{ file: string; first: LogLine }[]> {
  const items: { file: string; first: LogLine }[] = [];
  for (const file of files) {
    try {
      const size = await checkInput(file);
      const first = size > 0 ? await firstLine(file) : undefined;
      if (size === 0) warnings.push(`${file}: empty file (0 bytes), nothing to audit`);
      // other programs' lines alone would audit to a report of zeros that reads as "all clear"
      else if (!first) warnings.push(`no Postfix log lines found in ${file} — is this the mail log? Not audited [PV_INPUT_FORMAT]`);
      else items.push({ file, first });
    } catch (err) {
      warnings.push(describeError(err));
    }
  }
  return items;
}

export async function auditPostfix(files: string[], opts: PostfixAuditOptions = {}): Promise<AuditResult> {
  const result: AuditResult = {
    source: 'postfix', files: [...files], lines: 0, messages: emptyCounts(), recipients: emptyCounts(),
    silent: [], rows: [], warnings: [],
  };
  const keep = opts.rows ?? 'problems';
  const place = (m: MessageFate): void => {
    if (keep !== 'none' || m.fate !== 'silently_dropped') result.rows.push(m);
    if (m.fate === 'silently_dropped') {
      result.silent.push({
        queue_id: m.queue_id, time: m.time, from: m.from, reason: m.reason,
        to: m.recipients.filter((r) => r.to !== '').map((r) => r.to),
        ...(m.subject !== undefined ? { subject: m.subject } : {}),
      });
    }
  };
  const threads = threadCount(opts.threads);
  // the worker starts now: its bundle builds and its thread starts while the files are checked and ordered
  const pipe = threads === 1 && usePipeline(opts.pipeline, files) ? startPipeline() : undefined;
  try {
    await audit(files, { ...opts, threads }, keep, place, result, pipe);
  } finally {
    if (pipe !== undefined) await stopPipeline(pipe);
  }
  // finished order follows the queue, not the clock; people read reports by time
  result.silent.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  result.rows.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  return result;
}

/** check and order the files, then one pass of the state machine over them: sharded, pipelined or on this thread */
async function audit(files: string[], opts: PostfixAuditOptions, keep: PartJob['keep'], place: (m: MessageFate) => void,
  result: AuditResult, pipe: PipeStart | undefined): Promise<void> {
  const items = await prepare(files, result.warnings);
  const ordered = orderFiles(items);
  result.files = ordered; // only what was audited: files with at least one Postfix line
  // the first classic-syslog line of the ordered set (the one --year refers to): prepare read each file's first line
  const firsts = new Map(items.map((i) => [i.file, i.first]));
  const first = ordered.map((f) => firsts.get(f)).find((l) => l?.month !== undefined);
  const job: PartJob = { files: ordered, year: opts.year ?? defaultYear(first, opts.now ?? new Date()), keep };
  const threads = opts.threads ?? 1;
  const sink = (raw: MessageFate): void => place(maskMessage(raw));
  const piped = threads <= 1 && pipe !== undefined ? await runPipelined(job, sink, opts.onProgress, pipe) : undefined;
  const r = piped ?? (threads > 1 ? await runParallel(job, threads, maskMessage, place, opts.onProgress) : undefined)
    ?? await runPart(job, sink, opts.onProgress);
  result.lines = r.lines;
  result.messages = r.messages;
  result.recipients = r.recipients;
  result.warnings.push(...r.warnings);
  // the report is complete either way; an operator should still learn that the second thread stopped
  if (piped?.fallback !== undefined) result.warnings.push(`reading in a second thread stopped (${piped.fallback}); this thread read the rest — nothing is missing from the report`);
}

/** inputs at least this large (bytes on disk) are pipelined by default: below, starting a worker (~60 ms) does not pay */
const PIPELINE_FROM = 64 << 20;

/**
 * Whether a one-thread audit reads and parses in a worker thread beside the state machine
 * (pipeline.ts): as asked, else POSTVAGT_AUDIT_PIPELINE=1/0, else for large inputs when there is a
 * second CPU. Measured (docs/audit-performance.md): 5–15% less wall time for 2M lines, about a
 * quarter less for gzip, at a third more CPU time; on one CPU it could only cost.
 */
export function usePipeline(asked: boolean | undefined, files: string[]): boolean {
  if (asked !== undefined) return asked;
  const env = process.env.POSTVAGT_AUDIT_PIPELINE;
  if (env === '1' || env === '0') return env === '1';
  if (availableParallelism() < 2) return false;
  let bytes = 0;
  for (const f of files) {
    try {
      bytes += statSync(f).size;
    } catch {
      // unreadable: prepare() reports it
    }
  }
  return bytes >= PIPELINE_FROM;
}

/**
 * Threads for the audit: `threads`, else POSTVAGT_AUDIT_THREADS, else one. More is opt-in: every
 * thread reads and parses every line, so on the 2-CPU machine it was measured on (docs/audit-performance.md)
 * two threads took as long as one and used 1.7 times the CPU; gzip input was slower still.
 */
function threadCount(threads: number | undefined): number {
  const env = Number.parseInt(process.env.POSTVAGT_AUDIT_THREADS ?? '', 10);
  const asked = threads ?? (Number.isFinite(env) ? env : 1);
  return Math.max(1, Math.min(asked, SHARDS));
}
