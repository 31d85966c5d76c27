// Property-based tests (fast-check): the scanner never throws on any string, offsets point at
// digits, masking leaves no finding behind, and on ASCII text it agrees with a slow regex oracle.
// Pure; no I/O.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cprKind, maskText, mod11, scanText } from '../../src/detect/index.ts';

// Pieces that make findings likely: digits in several scripts, separators, letters, keywords,
// invisible characters, punctuation, plus arbitrary code points (astral and lone surrogates).
const piece = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'0123456789') },
  { weight: 2, arbitrary: fc.constantFrom('140432', '2464', '251284', '1234', '290200', '4000', '7404322464') },
  { weight: 3, arbitrary: fc.constantFrom(' 1404322464 ', '140432-2464', '(2512841234)', '290200\u20134000', '７４０４３２２４６４', '١٤٠٤٣٢٢٤٦٤') },
  { weight: 2, arbitrary: fc.constantFrom('-', ' ', '\u2013', '\u00a0', '\t', '/', '.', '_', '(', ')') },
  { weight: 1, arbitrary: fc.constantFrom('a', 'X', 'æ', 'Ø', 'cpr', 'CPR-nr', 'personnummer', 'é') },
  { weight: 1, arbitrary: fc.constantFrom('\u200b', '\u00ad', '\ufeff', '１', '４', '－', '٣', '𝟏', '\u0301') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 2 }) },
);
const text = fc.array(fc.oneof(piece, fc.constantFrom(' - ', ' / ', '211062', '5629', 'CPR ')), { maxLength: 40 }).map((a) => a.join(''));
const INVISIBLE = /[\u200b-\u200d\u2060-\u2064\ufeff\u00ad\u180e]/g;

test('property: scanText and maskText never throw, on any string', () => {
  fc.assert(fc.property(fc.oneof(text, fc.string({ unit: 'binary' })), (s) => {
    scanText(s, { fingerprintKey: 'k' });
    maskText(s);
  }), { numRuns: 3000 });
});

test('property: offsets point at the ten digits (invisibles and one separator aside)', () => {
  fc.assert(fc.property(text, (s) => {
    for (const f of scanText(s)) {
      const span = [...s.slice(f.start, f.end).replace(INVISIBLE, '')];
      const digits = span.filter((ch) => /^\p{Nd}$/u.test(ch.normalize('NFKC')));
      assert.equal(digits.length, 10, JSON.stringify(s));
      // between digit 6 and 7: nothing, one separator, or a variant (` - `, `/`, ` / `)
      const middle = span.slice(6, span.length - 4).join('').normalize('NFKC');
      assert.match(middle, /^(?:|[\p{Pd}\u2212\p{Zs}\t]|[\p{Zs}\t]?[\p{Pd}\u2212/][\p{Zs}\t]?)$/u, JSON.stringify(s));
      assert.ok(/^\p{Nd}$/u.test(span[0].normalize('NFKC')) && /^\p{Nd}$/u.test(span[span.length - 1].normalize('NFKC')));
      const ascii = digits.map((ch) => ch.normalize('NFKC')).join('');
      if (/^[0-9]{10}$/.test(ascii)) assert.equal(ascii, f.digits);
      assert.notEqual(cprKind(f.digits), null);
    }
  }), { numRuns: 3000 });
});

test('property: masked text holds no finding and none of the findings\' digit runs in place', () => {
  let seenMasked = 0;
  fc.assert(fc.property(text, (s) => {
    const found = scanText(s);
    const masked = maskText(s);
    seenMasked += found.length;
    assert.deepEqual(scanText(masked), [], JSON.stringify(s));
    let shift = 0;
    for (const f of found) {
      const at = f.start + shift;
      assert.equal(masked.slice(at, at + f.masked.length), 'XXXXXX-XXXX');
      shift += f.masked.length - (f.end - f.start);
    }
  }), { numRuns: 3000 });
  assert.ok(seenMasked > 100, `the generator must produce findings (saw ${seenMasked})`);
});

// Slow but obvious oracle for ASCII text: DESIGN's rule written as one regex plus the date rule;
// human-readable variants (` - `, `/`) count only with mod-11 or a keyword up to 5 characters before.
const KEYWORD = '(?:cpr|cprnr|cpr-nr|cpr\\.nr|personnr|person-nr|personnummer|cprnummer|cpr-nummer)';
const ORACLE = new RegExp(`(?:(?<![A-Za-z0-9])|(?<=(?:^|[^A-Za-z0-9])${KEYWORD}))(\\d{6})([ \\t]?[-/][ \\t]?|[ \\t])?(\\d{4})(?![A-Za-z0-9])`, 'gi');
const NEAR = new RegExp(`(?:^|[^A-Za-z0-9])${KEYWORD}[ \\t:.#-]{0,5}$`, 'i');
function oracle(s: string): string[] {
  return [...s.matchAll(ORACLE)]
    .filter((m) => {
      const sep = m[2] ?? '';
      const variant = sep.length > 1 || sep === '/';
      return !variant || mod11(m[1] + m[3]) || NEAR.test(s.slice(0, m.index));
    })
    .map((m) => m[1] + m[3])
    .filter((d) => cprKind(d) !== null);
}

test('property: on ASCII text the scanner agrees with a regex oracle of the rule', () => {
  const asciiPiece = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...'0123456789') },
    { weight: 2, arbitrary: fc.constantFrom('140432', '2464', '251284', '7404322464', '290200', '4000') },
    { weight: 3, arbitrary: fc.constantFrom(' 1404322464 ', '140432-2464', '(2512841234)', '290200 4000', '3201801234', '211062', '5629', ' - ', ' / ', 'CPR: ') },
    { weight: 2, arbitrary: fc.constantFrom('-', ' ', '\t', '/', '.', '_', '+', ':') },
    { weight: 1, arbitrary: fc.constantFrom('a', 'X', 'cpr', 'CPR-nr', 'Personnr', 'personnummer', 'xcpr', 'cpr.nr') },
  );
  let seen = 0;
  fc.assert(fc.property(fc.array(asciiPiece, { maxLength: 40 }).map((a) => a.join('')), (s) => {
    const got = scanText(s).map((f) => f.digits);
    seen += got.length;
    assert.deepEqual(got, oracle(s), JSON.stringify(s));
  }), { numRuns: 5000 });
  assert.ok(seen > 500, `the generator must produce findings (saw ${seen})`);
});
