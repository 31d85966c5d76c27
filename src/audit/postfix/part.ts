// One pass of the state machine over the ordered log files, for the queue ids of one part (all of
// them when single-threaded): counts every finished message, hands on those the report keeps.
// I/O: reads the files. Protects "an unreadable or damaged input is a warning, the rest is audited".
import { readChunks, type InputProgress } from '../input.ts';
import { emptyCounts, type FateCounts, type MessageFate } from '../types.ts';
import { describeError } from '../../errors.ts';
import { PostfixState, WHOLE, type EmitKey, type Part } from './state.ts';
import { SyslogClock } from './clock.ts';
import { scanLines, type ScanStats } from './scan.ts';

/** which per-message rows the report keeps: all (CSV), problems (everything not delivered), none */
export type Keep = 'all' | 'problems' | 'none';

export interface PartJob { files: string[]; year: number; keep: Keep; part?: Part }

export interface PartResult {
  lines: number;
  warnings: string[];
  messages: FateCounts;
  recipients: FateCounts;
}

/** a finished message the report keeps, unmasked, with its place in single-threaded emission order */
export type Kept = (m: MessageFate, at: EmitKey) => void;

/** silent losses always; the rest as `keep` says */
export function kept(keep: Keep, m: MessageFate): boolean {
  if (m.fate === 'silently_dropped' || keep === 'all') return true;
  return keep === 'problems' && m.fate !== 'delivered';
}

/** Where a pass stands: the file (index into `files`) and that file's line and damaged-line counts so far. */
export interface Position { file: number; st: ScanStats }

export function newResult(): PartResult {
  return { lines: 0, warnings: [], messages: emptyCounts(), recipients: emptyCounts() };
}

/** The state machine for `job`, counting every finished message into `r` and handing on those kept. */
export function partState(job: PartJob, r: PartResult, sink: Kept): PostfixState {
  const onMessage = (m: MessageFate, at: EmitKey): void => {
    r.messages[m.fate]++;
    for (const x of m.recipients) r.recipients[x.fate]++;
    if (kept(job.keep, m)) sink(m, at);
  };
  // delivered mail that is not listed needs only counting (the common case by far)
  const delivered = job.keep === 'all' ? undefined : (n: number) => { r.messages.delivered++; r.recipients.delivered += n; };
  return new PostfixState(onMessage, new SyslogClock(job.year), delivered, job.part ?? WHOLE);
}

/** A file is done: its lines counted, its read error and damaged lines (if any) become warnings, in that order. */
export function fileDone(r: PartResult, file: string, st: ScanStats, error?: string): void {
  r.lines += st.lines;
  if (error !== undefined) r.warnings.push(error);
  // truncated or damaged Postfix lines are skipped and reported, never fatal
  if (st.garbled > 0) r.warnings.push(`${file}:${st.firstGarbled}: ${st.garbled} damaged Postfix line(s) skipped (first shown)`);
}

/** the offset just past the first `n` lines of `b` (whole lines; the last may lack its LF), and how many remain to skip */
function skipLines(b: Buffer, n: number): [offset: number, left: number] {
  let s = 0;
  while (n > 0 && s < b.length) {
    const lf = b.indexOf(10, s);
    s = lf < 0 ? b.length : lf + 1;
    n--;
  }
  return [s, n];
}

/**
 * Feed the files from `at` on (a pipeline whose worker stopped resumes here: the lines of `at.file`
 * before `at.st.lines` were fed already and are skipped), then end the state machine.
 */
export async function scanFrom(files: string[], at: Position, state: PostfixState, r: PartResult,
  onProgress?: (p: InputProgress) => void): Promise<void> {
  for (let f = at.file; f < files.length; f++) {
    const st: ScanStats = f === at.file ? { ...at.st } : { lines: 0, garbled: 0, firstGarbled: 0 };
    let skip = st.lines;
    let error: string | undefined;
    try {
      for await (const chunk of readChunks(files[f], onProgress, () => st.lines)) {
        let from = 0;
        if (skip > 0) [from, skip] = skipLines(chunk, skip);
        scanLines(from === 0 ? chunk : chunk.subarray(from), state, st);
      }
    } catch (err) {
      error = describeError(err);
    }
    fileDone(r, files[f], st, error);
  }
  state.end();
}

export async function runPart(job: PartJob, sink: Kept, onProgress?: (p: InputProgress) => void): Promise<PartResult> {
  const r = newResult();
  await scanFrom(job.files, { file: 0, st: { lines: 0, garbled: 0, firstGarbled: 0 } }, partState(job, r, sink), r, onProgress);
  return r;
}
