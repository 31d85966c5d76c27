// Bad input never crashes the config audit: arbitrary text as main.cf, master.cf, a check table
// or a transport-rule export gives findings and warnings, never an exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseMainCf, parseMasterCf, expand } from '../../../src/audit/config/cf.ts';
import { parseRegexpTable, firstMatch } from '../../../src/audit/config/tables.ts';
import { auditTransportRules } from '../../../src/audit/config/exchange-rules.ts';
import { auditPostfixConfig } from '../../../src/audit/config/postfix.ts';
import { PROBES } from '../../../src/audit/config/probes.ts';

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.array(fc.stringMatching(/^[ \t]*[!/#a-z_=${}()\[\]\\.*+?|:^-]{0,30}( [A-Z]{0,8} ?[a-z ]{0,10})?$/), { maxLength: 12 }).map((l) => l.join('\n')),
);

test('parsers and the evaluator never throw on arbitrary text', () => {
  fc.assert(fc.property(text, (t) => {
    const warn = () => {};
    parseMainCf(t, warn);
    parseMasterCf(t, warn);
    expand(t, () => '$x');
    for (const kind of ['regexp', 'pcre'] as const) {
      const rules = parseRegexpTable(kind, 'f', t, warn);
      for (const p of PROBES) firstMatch(rules, p.header);
    }
  }), { numRuns: 400, seed: 7 });
});

test('a whole configuration directory of arbitrary files is audited without throwing', () => {
  fc.assert(fc.property(text, text, text, (main, master, table) => {
    const files: Record<string, string> = { '/d/main.cf': `header_checks = regexp:/etc/postfix/t\n${main}`, '/d/master.cf': master, '/d/t': table };
    const r = auditPostfixConfig('/d', (p) => files[p] ?? null);
    assert.ok(Array.isArray(r.findings));
  }), { numRuns: 200, seed: 11 });
});

test('transport-rule exports of any JSON shape give findings or warnings, never an exception', () => {
  fc.assert(fc.property(fc.jsonValue(), (v) => {
    const r = auditTransportRules('r.json', JSON.stringify(v));
    assert.ok(Array.isArray(r.findings) && Array.isArray(r.warnings));
  }), { numRuns: 300, seed: 3 });
});
