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

export async function runPart(job: PartJob, sink: Kept, onProgress?: (p: InputProgress) => void): Promise<PartResult> {
  const r: PartResult = { lines: 0, warnings: [], messages: emptyCounts(), recipients: emptyCounts() };
  const onMessage = (m: MessageFate, at: EmitKey): void => {
    r.messages[m.fate]++;
    for (const x of m.recipients) r.recipients[x.fate]++;
    if (kept(job.keep, m)) sink(m, at);
  };
  // delivered mail that is not listed needs only counting (the common case by far)
  const delivered = job.keep === 'all' ? undefined : (n: number) => { r.messages.delivered++; r.recipients.delivered += n; };
  const state = new PostfixState(onMessage, new SyslogClock(job.year), delivered, job.part ?? WHOLE);
  for (const file of job.files) {
    const st: ScanStats = { lines: 0, garbled: 0, firstGarbled: 0 };
    try {
      for await (const chunk of readChunks(file, onProgress, () => st.lines)) scanLines(chunk, state, st);
    } catch (err) {
      r.warnings.push(describeError(err));
    }
    r.lines += st.lines;
    // truncated or damaged Postfix lines are skipped and reported, never fatal
    if (st.garbled > 0) r.warnings.push(`${file}:${st.firstGarbled}: ${st.garbled} damaged Postfix line(s) skipped (first shown)`);
  }
  state.end();
  return r;
}
