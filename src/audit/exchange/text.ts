// Exchange tracking log text already in memory → AuditResult: the pure core of
// `postvagt audit exchange`, used by tests and by callers holding the text. No I/O.
// Subjects and status texts are masked before they enter the result (invariant 2).
import { maskText } from '../../detect/index.ts';
import type { AuditResult } from '../types.ts';
import { TrackingLogParser, WarningSink } from './parser.ts';
import { ExchangeTracker } from './fates.ts';

/** Lines in memory → result, for tests and callers that already hold the text. */
export function auditExchangeText(text: string, file = '<text>'): AuditResult {
  const warn = new WarningSink();
  const tracker = new ExchangeTracker((t) => maskText(t));
  const parser = new TrackingLogParser(file, warn);
  const all = text.split('\n');
  if (all.length > 0 && all[all.length - 1] === '') all.pop();
  all.forEach((line, i) => {
    for (const row of parser.push(line, i + 1)) tracker.add(row);
  });
  for (const row of parser.end()) tracker.add(row);
  return tracker.result([file], all.length, warn.list());
}
