// classifyNew: systemic vs isolated from a table (DESIGN "Incidents and review"), with the reason checked
// word for word where it matters. Pure; counts are given as the store would compute them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyNew, classifyNoticeFailure, ruleOf, spikeThreshold, type ClassifyInput } from '../../src/review/classify.ts';
import type { StoredFinding } from '../../src/store/types.ts';

const subject: StoredFinding[] = [{ header: 'Subject', masked: 'XXXXXX-XXXX', fingerprint: 'f', kind: 'cpr' }];
const base: ClassifyInput = { action: 'reject', findings: subject, sender: 'a@b.dk', recentSameRuleSenders: 1, todayCount: 1, baselineDailyMean: 2 };

const TABLE: [string, Partial<ClassifyInput>, 'isolated' | 'systemic' | 'unclassified', RegExp][] = [
  ['one sender, ordinary day', {}, 'isolated', /^Isolated: only this sender hit the Subject rule within 24 h; today's 1 incident\(s\) are within the usual 2 a day\.$/],
  ['two senders on the rule', { recentSameRuleSenders: 2 }, 'isolated', /2 senders hit the Subject rule/],
  ['three senders on the rule', { recentSameRuleSenders: 3 }, 'systemic', /^3 different senders hit the Subject rule within 24 h\.$/],
  ['seven senders, X- header rule', { recentSameRuleSenders: 7, findings: [{ ...subject[0], header: 'X-Sag' }] }, 'systemic', /^7 different senders hit the X-\* rule within 24 h\.$/],
  ['upstream failure, content irrelevant', { action: 'upstream-fail' }, 'systemic', /next mail server .* not caused by the mail's content/],
  ['tempfail (fail closed)', { action: 'tempfail', findings: [] }, 'systemic', /failed closed .* not caused/],
  ['quiet site: 10 today is not yet a spike', { todayCount: 10, baselineDailyMean: 0 }, 'isolated', /10 incident\(s\) today, no earlier days to compare with \(a spike needs more than 10\)\.$/],
  ['quiet site: 11 today is', { todayCount: 11, baselineDailyMean: 0 }, 'systemic', /^11 incidents today, far above the usual 0 a day \(alert above 10\)\.$/],
  ['busy site: 3× mean is the bar', { todayCount: 60, baselineDailyMean: 20 }, 'isolated', /Isolated/],
  ['busy site: over 3× mean', { todayCount: 61, baselineDailyMean: 20 }, 'systemic', /61 incidents today, far above the usual 20 a day \(alert above 60\)/],
  ['volatile site: mean+3σ is the bar', { todayCount: 40, baselineDailyMean: 5, baselineDailyStdDev: 12 }, 'isolated', /Isolated/],
  ['volatile site: over mean+3σ', { todayCount: 42, baselineDailyMean: 5, baselineDailyStdDev: 12 }, 'systemic', /alert above 41/],
  ['redact inbound is content too', { action: 'redact' }, 'isolated', /Isolated/],
  ['pass with findings (monitoring)', { action: 'pass' }, 'isolated', /Isolated/],
  ['pass without findings: nothing to classify', { action: 'pass', findings: [] }, 'unclassified', /nothing to classify/],
  ['garbage counts do not crash', { recentSameRuleSenders: Number.NaN, todayCount: -5, baselineDailyMean: Number.POSITIVE_INFINITY }, 'isolated', /Isolated/],
];

for (const [label, over, expect, reason] of TABLE) {
  test(`${label} → ${expect}`, () => {
    const r = classifyNew({ ...base, ...over });
    assert.equal(r.classification, expect, r.reason);
    assert.match(r.reason, reason);
  });
}

test('same-rule senders win over the daily baseline in the reason (the more specific cause)', () => {
  const r = classifyNew({ ...base, recentSameRuleSenders: 4, todayCount: 500 });
  assert.match(r.reason, /4 different senders/);
});

test('the reason never contains the sender address', () => {
  for (const [, over] of TABLE) {
    const r = classifyNew({ ...base, ...over, sender: 'hanne.0101901234@kommune.dk' });
    assert.ok(!r.reason.includes('hanne'), r.reason);
  }
});

test('a notice that could not be delivered is systemic', () => {
  assert.equal(classifyNoticeFailure().classification, 'systemic');
});

test('ruleOf: canonical header names, all X- headers one rule', () => {
  const cases: [string, string][] = [['subject', 'Subject'], ['SUBJECT', 'Subject'], ['reply-to', 'Reply-To'], ['thread-topic', 'Thread-Topic'], ['X-Sag', 'X-*'], ['x-foo', 'X-*'], ['CC', 'Cc']];
  for (const [h, r] of cases) assert.equal(ruleOf(h), r, h);
});

test('spikeThreshold = max(3×mean, mean+3σ, 10); σ defaults to √mean (Poisson)', () => {
  assert.equal(spikeThreshold(0), 10);
  assert.equal(spikeThreshold(4), 12); // 3×4=12 > 4+3×2=10
  assert.equal(spikeThreshold(1, 5), 16); // 1+15
  assert.equal(spikeThreshold(100), 300);
  assert.equal(spikeThreshold(2, -1), 10); // a negative σ is ignored
});
