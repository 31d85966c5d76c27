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
  let lines = 0;
  for (const file of files) {
    const parser = new TrackingLogParser(file, warn);
    let n = 0;
    let rowsBefore = tracker.rowsSeen;
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
      continue;
    } finally {
      lines += n;
    }
    if (n === 0) warn.add(file, 0, 'is empty (0 bytes or no lines); nothing to audit in it');
    // not a tracking log at all is bad input (exit 2), like an unreadable file
    else if (tracker.rowsSeen === rowsBefore) unreadable.push(maskText(describeError(new PvError('PV_INPUT_FORMAT', 'no message-tracking rows found (is this an Exchange MSGTRK log?)', { file }))));
    rowsBefore = tracker.rowsSeen;
  }
  return tracker.result(files, lines, [...unreadable, ...warn.list()]);
}
