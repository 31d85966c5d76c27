// `postvagt audit exchange`: every message's fate from Exchange message-tracking logs.
// I/O: reads the given files (plain or gzip) line by line through audit/input.ts.
// Invariants: an unreadable file is a warning and the rest is still audited; subjects are masked.
import { readLines, type InputProgress } from '../input.ts';
import { maskText } from '../../detect/index.ts';
import { PvError, describeError } from '../../errors.ts';
import type { AuditResult } from '../types.ts';
import { TrackingLogParser, WarningSink } from './parser.ts';
import { ExchangeTracker } from './fates.ts';

export { TrackingLogParser, WarningSink, DEFAULT_FIELDS, type TrackingRow } from './parser.ts';
export { ExchangeTracker } from './fates.ts';
export { auditExchangeText } from './text.ts';

export async function auditExchange(
  files: string[],
  opts: { onProgress?: (p: InputProgress) => void } = {},
): Promise<AuditResult> {
  const warn = new WarningSink();
  const tracker = new ExchangeTracker((t) => maskText(t));
  const unreadable: string[] = [];
  const audited: string[] = [];
  let lines = 0;
  for (const file of files) {
    const parser = new TrackingLogParser(file, warn);
    let n = 0;
    const rowsBefore = tracker.rowsSeen;
    try {
      for await (const line of readLines(file, opts.onProgress)) {
        n++;
        for (const row of parser.push(line, n)) tracker.add(row);
      }
      for (const row of parser.end()) tracker.add(row);
    } catch (err) {
      if (!(err instanceof PvError)) throw err;
      // "FILE: what [PV_INPUT_UNREADABLE]": the CLI counts these for its exit code 2
      unreadable.push(maskText(describeError(err.file ? err : new PvError(err.code, err.message, { file }))));
      if (tracker.rowsSeen > rowsBefore) audited.push(file); // a gzip that breaks off: its first part was audited
      continue;
    } finally {
      lines += n;
    }
    if (n === 0) warn.add(file, 0, 'is empty (0 bytes or no lines); nothing to audit in it');
    else if (tracker.rowsSeen === rowsBefore) {
      // not a tracking log at all is bad input (exit 2), like an unreadable file: one line that
      // says so, not a warning per skipped row of, say, a README
      warn.forget(file);
      unreadable.push(maskText(`no Exchange message-tracking rows found in ${file} — is this a MSGTRK log? (no #Fields: line, nor rows in the documented 30-column layout) Not audited [PV_INPUT_FORMAT]`));
    } else audited.push(file);
  }
  return tracker.result(audited, lines, [...unreadable, ...warn.list()]);
}
