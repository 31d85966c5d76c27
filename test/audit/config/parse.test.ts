// main.cf / master.cf readers, parameter expansion and the Postfix → JavaScript regex
// translation, each from labelled tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMainCf, parseMasterCf, expand } from '../../../src/audit/config/cf.ts';
import { translate } from '../../../src/audit/config/regex.ts';
import { parseRegexpTable, firstMatch } from '../../../src/audit/config/tables.ts';

test('main.cf: comments, continuation lines, last definition wins, inline "#" is reported', () => {
  const warn: string[] = [];
  const m = parseMainCf(
    ['# comment', 'a = 1', 'smtpd_recipient_restrictions =', '    permit_mynetworks,', '  # comment inside', '    reject', 'a = 2', 'soft_bounce = yes # temporary', 'garbage line'].join('\n'),
    (line, msg) => warn.push(`${line}: ${msg}`),
  );
  assert.deepEqual(m.get('a'), { name: 'a', value: '2', line: 7 });
  assert.equal(m.get('smtpd_recipient_restrictions')?.value, 'permit_mynetworks, reject');
  assert.equal(m.get('smtpd_recipient_restrictions')?.line, 3);
  assert.equal(m.get('soft_bounce')?.value, 'yes');
  assert.match(warn[0], /^8: "#" after the value of soft_bounce is not a comment/);
  assert.match(warn[1], /^9: not a "name = value" line/);
});

test('expand: $name, ${name}, $(name), ${name?x}, ${name:x}, and a loop does not hang', () => {
  const vars: Record<string, string> = { a: 'A', b: '$a-$(a)-${a}', empty: '', loop1: '$loop2', loop2: '$loop1' };
  const look = (n: string) => vars[n];
  const cases: [string, string][] = [
    ['$b', 'A-A-A'], ['${a?yes}', 'yes'], ['${empty?yes}', ''], ['${empty:no}', 'no'], ['${a:no}', ''], ['$unknown', ''],
  ];
  for (const [input, want] of cases) assert.equal(expand(input, look), want, input);
  assert.equal(typeof expand('$loop1', look), 'string');
});

test('master.cf: services, continuation lines, -o name=value and -o { name = value }', () => {
  const warn: string[] = [];
  const s = parseMasterCf(
    ['smtp      inet  n       -       y       -       -       smtpd', 'submission inet n - y - - smtpd', '  -o syslog_name=postfix/submission', '  -o { smtpd_milters = inet:127.0.0.1:2526 }', '  -o bad', 'short line'].join('\n'),
    (line, msg) => warn.push(`${line}: ${msg}`),
  );
  assert.deepEqual(s.map((x) => x.name), ['smtp', 'submission']);
  assert.deepEqual(s[1].overrides, [
    { name: 'syslog_name', value: 'postfix/submission', line: 3 },
    { name: 'smtpd_milters', value: 'inet:127.0.0.1:2526', line: 4 },
  ]);
  assert.match(warn.join('\n'), /5: -o bad is not name=value/);
  assert.match(warn.join('\n'), /6: a master.cf service needs 8 fields/);
});

test('translate: Postfix regexp/pcre dialects and flags → JavaScript, from a table', () => {
  const cases: [kind: 'regexp' | 'pcre', pattern: string, flags: string, input: string, match: boolean][] = [
    ['regexp', '^subject:.*[0-9]{6}', '', 'SUBJECT: 010190', true], // case-insensitive by default
    ['regexp', '^subject:', 'i', 'Subject: x', false], // i toggles it off
    ['regexp', '[[:digit:]]{10}', '', 'x 0101901234', true],
    ['regexp', '\\<[0-9]{4}\\>', '', 'sag 1234 x', true],
    ['regexp', '[0-9]{6}\\-[0-9]{4}', '', '010190-1234', true],
    ['regexp', '\\d{6}', '', '010190', false], // glibc: no \d
    ['pcre', '\\d{6}-?\\d{4}', '', 'x 010190-1234', true],
    ['pcre', '(?i)^SUBJECT:', 'i', 'subject: x', true], // inline option wins
    ['pcre', '^Subject: \\d{6} # six digits\n', 'x', 'Subject:010190', true],
    ['pcre', '(?P<cpr>\\d{10})', '', '0101901234', true],
  ];
  for (const [kind, pattern, flags, input, match] of cases) {
    const t = translate(kind, pattern, flags);
    assert.ok(t.re, `${kind} ${pattern} compiles: ${t.problem}`);
    assert.equal(t.re.test(input), match, `${kind}:/${pattern}/${flags} on ${input}`);
  }
  assert.match(translate('regexp', '\\d{6}', '').trap ?? '', /does not read as a digit/);
  assert.equal(translate('pcre', '(?>a+)b', '').re, null);
});

test('regexp table: !/negation/, if/endif blocks, other delimiters, first match wins', () => {
  const warn: string[] = [];
  const rules = parseRegexpTable('regexp', 'hc', [
    'if /^Subject:/',
    '!/sikker/  WARN not secure',
    'endif',
    '|^To:|  REJECT pipe-delimited',
    '/^X-Foo:/  DISCARD',
    'nonsense',
  ].join('\n'), (line, msg) => warn.push(`${line}: ${msg}`));
  assert.equal(firstMatch(rules, 'Subject: hej').rule?.action, 'WARN');
  assert.equal(firstMatch(rules, 'Subject: sikker hej').rule, null);
  assert.equal(firstMatch(rules, 'X-Foo: 1').rule?.line, 5);
  assert.equal(firstMatch(rules, 'To: x').rule?.text, 'pipe-delimited');
  assert.match(warn.join(), /6: not a "\/pattern\/flags action" line/);
});
