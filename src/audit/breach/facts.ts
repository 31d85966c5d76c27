// Counts for the breach draft from gateway decisions and audit outputs, over Danish days. Pure.
// Distinct persons are counted by keyed fingerprint, never by number (invariant 2).
import type { DecisionRecord } from '../../store/types.ts';
import type { BreachFacts, BreachInput, Category } from './types.ts';
import { danishDay, periodBounds } from '../../time/danish.ts';

const empty = (): Category => ({ mails: 0, persons: 0, domains: new Map() });

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '(ukendt)' : address.slice(at + 1).replace(/>$/, '').toLowerCase();
}

function bump(m: Map<string, number>, k: string, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

function add(cat: Category, d: DecisionRecord, prints: Set<string>, unkeyed: { v: boolean }): void {
  cat.mails++;
  for (const f of d.findings) {
    if (f.fingerprint) prints.add(f.fingerprint);
    else unkeyed.v = true;
  }
  for (const domain of new Set(d.recipients.map(domainOf))) bump(cat.domains, domain);
}

// A masked CPR as maskText writes it (XXXXXX-XXXX, or DDMMYY-XXXX with the date style)
const MASKED = /\b(?:XXXXXX|\d{6})-XXXX\b/;

export function computeFacts(input: BreachInput): BreachFacts {
  const { since, until } = periodBounds(input.from, input.to);
  const inPeriod = (t: string) => t >= since && t < until;
  const facts: BreachFacts = {
    input, sentInClear: empty(), receivedInClear: empty(), stopped: empty(),
    lost: { mails: 0, withCprInSubject: 0, domains: new Map(), reasons: new Map(), bySource: new Map() },
    byMonth: new Map(), first: null, last: null,
  };
  // months as the period's days are counted: in Danish time
  const month = (t: string, i: 0 | 1) => {
    const key = danishDay(t).slice(0, 7);
    const m = facts.byMonth.get(key) ?? [0, 0];
    m[i]++;
    facts.byMonth.set(key, m);
  };
  const seen = (t: string) => {
    if (facts.first === null || t < facts.first) facts.first = t;
    if (facts.last === null || t > facts.last) facts.last = t;
  };
  const sets = new Map<Category, { prints: Set<string>; unkeyed: { v: boolean } }>();
  for (const cat of [facts.sentInClear, facts.receivedInClear, facts.stopped]) sets.set(cat, { prints: new Set(), unkeyed: { v: false } });
  for (const d of input.decisions ?? []) {
    if (d.findings.length === 0 || !inPeriod(d.time)) continue;
    const cat = d.direction === 'inbound' ? facts.receivedInClear
      : d.action === 'pass' || d.action === 'tag' ? facts.sentInClear
      : d.action === 'reject' || d.action === 'quarantine' || d.action === 'redact' ? facts.stopped
      : null; // upstream-fail / tempfail: the client got a 4xx and still holds the mail
    if (!cat) continue;
    const s = sets.get(cat)!;
    add(cat, d, s.prints, s.unkeyed);
    if (cat !== facts.stopped) seen(d.time);
    if (cat === facts.sentInClear) month(d.time, 0);
  }
  for (const [cat, s] of sets) cat.persons = s.unkeyed.v && s.prints.size === 0 ? null : s.prints.size;
  for (const a of input.audits) {
    for (const item of a.silent) {
      if (!inPeriod(item.time)) continue;
      facts.lost.mails++;
      if (item.subject && MASKED.test(item.subject)) facts.lost.withCprInSubject++;
      for (const domain of new Set(item.to.map(domainOf))) bump(facts.lost.domains, domain);
      bump(facts.lost.reasons, item.reason.replace(/\s+/g, ' ').slice(0, 120));
      bump(facts.lost.bySource, a.source);
      seen(item.time);
      month(item.time, 1);
    }
  }
  return facts;
}

export function topEntries(m: Map<string, number>, n: number): [string, number][] {
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
}
