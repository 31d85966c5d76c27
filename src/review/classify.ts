// Isolated vs systemic, for a new incident (DESIGN "Incidents and review"), with a short reason a
// reviewer can check. Pure, no I/O, no clock: the counts are computed by the caller from the store.
// Protects the review loop: faults not caused by content must never be filed as one person's mistake.
import type { Classification, DecisionAction, StoredFinding } from '../store/types.ts';

export interface ClassifyInput {
  action: DecisionAction;
  findings: StoredFinding[];
  sender: string;
  /** distinct envelope senders, THIS one included, with an incident on the same rule (see ruleOf) in the last 24 h */
  recentSameRuleSenders: number;
  /** content incidents today, THIS one included */
  todayCount: number;
  /** mean content incidents per day over the recent baseline (e.g. the 14 days before today); 0 without history */
  baselineDailyMean: number;
  /** standard deviation of the daily counts; when absent, a Poisson estimate √mean is used */
  baselineDailyStdDev?: number;
}

export interface ClassifyResult {
  classification: Classification;
  reason: string;
}

/** ≥ this many distinct senders on one rule within 24 h points at a cause outside the person (a template, a system). */
export const SAME_RULE_SENDERS = 3;
/** a day is "far above" its baseline above max(3×mean, mean+3σ, 10): robust for both quiet and busy sites */
export const SPIKE_FLOOR = 10;

const SYSTEMIC_ACTIONS: Partial<Record<DecisionAction, string>> = {
  'upstream-fail': "The next mail server refused or could not be reached; not caused by the mail's content.",
  tempfail: "Postvagt failed closed (internal fault, store unavailable or timeout); not caused by the mail's content.",
};

export function classifyNew(p: ClassifyInput): ClassifyResult {
  const systemic = SYSTEMIC_ACTIONS[p.action];
  if (systemic) return { classification: 'systemic', reason: systemic };
  const first = p.findings[0];
  if (!first) {
    return { classification: 'unclassified', reason: 'No finding and no failure: nothing to classify.' };
  }
  const rule = `${ruleOf(first.header)} rule`;
  const senders = count(p.recentSameRuleSenders);
  if (senders >= SAME_RULE_SENDERS) {
    return { classification: 'systemic', reason: `${senders} different senders hit the ${rule} within 24 h.` };
  }
  const today = count(p.todayCount);
  const mean = count(p.baselineDailyMean);
  const limit = spikeThreshold(mean, p.baselineDailyStdDev);
  if (today > limit) {
    return {
      classification: 'systemic',
      reason: `${today} incidents today, far above the usual ${fmt(mean)} a day (alert above ${fmt(limit)}).`,
    };
  }
  const who = senders <= 1 ? 'only this sender' : `${senders} senders`;
  return {
    classification: 'isolated',
    // with no earlier days there is no "usual" to compare with: say so instead of "within the usual 0"
    reason: `Isolated: ${who} hit the ${rule} within 24 h; ${
      mean === 0 ? `${today} incident(s) today, no earlier days to compare with (a spike needs more than ${fmt(limit)})` : `today's ${today} incident(s) are within the usual ${fmt(mean)} a day`
    }.`,
  };
}

/** A notice that could not be delivered means a sender does not know their mail was stopped. */
export function classifyNoticeFailure(): ClassifyResult {
  return {
    classification: 'systemic',
    reason: 'The notice to the sender could not be delivered, so the sender does not know the mail was stopped.',
  };
}

/** The rule a finding belongs to: the header name in canonical case; all X- headers are one rule. */
export function ruleOf(header: string): string {
  if (/^x-/i.test(header)) return 'X-*';
  return header
    .toLowerCase()
    .split('-')
    .map((w) => (w === '' ? w : w[0].toUpperCase() + w.slice(1)))
    .join('-');
}

export function spikeThreshold(mean: number, stdDev?: number): number {
  const m = count(mean);
  const sd = stdDev !== undefined && Number.isFinite(stdDev) && stdDev >= 0 ? stdDev : Math.sqrt(m);
  return Math.max(3 * m, m + 3 * sd, SPIKE_FLOOR);
}

// Counts come from the store; a NaN or negative there is a bug elsewhere, but must not crash review.
function count(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
