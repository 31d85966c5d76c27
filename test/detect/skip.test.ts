// The scanner's skip step must never hide a number: scanText (which skips text that cannot
// hold a digit run) is compared with the same rule read unit by unit, on strings built to sit
// numbers at every alignment, in Latin-1 and in UTF-16 text. Pure; no I/O.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeFlags, kernelCopy, Latin1Copy, useSimd } from '../../src/detect/flags.ts';
import { scanText, scanTextEveryUnit } from '../../src/detect/scanner.ts';

// Units that can be in a run or look like it to the skip step: digits, the Latin-1 run units
// (superscripts, soft hyphen), bytes the skip step flags without being run units (:;<=>? and
// 0xA0–0xBF), Latin-1 letters, separators, and wide characters (fullwidth, astral, surrogates).
const latin1Piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...'0123456789') },
  { weight: 4, arbitrary: fc.constantFrom('1404322464', '140432-2464', '140432 2464', '251284', '2464', '7404322464', '12345678') },
  { weight: 2, arbitrary: fc.constantFrom('\u00ad', '\u00b2', '\u00b3', '\u00b9', '\u00a0', '\u00bc', '\u00b0', ':', ';', '?', '=') },
  { weight: 4, arbitrary: fc.constantFrom(' ', '-', '/', ' - ', '.', '(', ')', '\t', '_') },
  { weight: 2, arbitrary: fc.constantFrom('a', 'æ', 'ø', 'Å', 'cpr', 'CPR ', 'Personnr', 'x', '\u00ff', '\u0080') },
);
const widePiece = fc.oneof(
  { weight: 6, arbitrary: latin1Piece },
  { weight: 1, arbitrary: fc.constantFrom('\u200b', '\ufeff', '１', '４', '－', '٣', '𝟏', '\u0301', '€', '\u2013', '\ud800', '\udc00') },
);
const latin1Text = fc.array(latin1Piece, { maxLength: 120 }).map((a) => a.join(''));
const wideText = fc.array(widePiece, { maxLength: 120 }).map((a) => a.join(''));
const key = (s: string): string => JSON.stringify(scanText(s)) + '\n' + JSON.stringify(s);
const ref = (s: string): string => JSON.stringify(scanTextEveryUnit(s)) + '\n' + JSON.stringify(s);

test('property: skipping finds what reading every unit finds (Latin-1 text)', () => {
  let seen = 0;
  fc.assert(fc.property(latin1Text, (s) => {
    seen += scanText(s).length;
    assert.equal(key(s), ref(s));
  }), { numRuns: 4000 });
  assert.ok(seen > 300, `the generator must produce findings (saw ${seen})`);
});

test('property: skipping finds what reading every unit finds (text with wide characters)', () => {
  fc.assert(fc.property(wideText, (s) => assert.equal(key(s), ref(s))), { numRuns: 4000 });
});

test('a number at every offset across the 16-byte steps is found, in Latin-1 and UTF-16', () => {
  for (const pad of ['x', 'æ', '€']) {
    for (let at = 0; at < 40; at++) {
      for (const cpr of ['1404322464', '140432-2464', '14\u00ad0432 2464', '\u00b9404322464']) {
        const s = pad.repeat(at) + ' ' + cpr + ' ' + pad.repeat(40 - at);
        assert.deepEqual(scanText(s).map((f) => [f.start, f.digits]), [[at + 1, '1404322464']], JSON.stringify(s));
      }
    }
  }
});

test('a number after a flagged-but-not-digit byte (:;<=>? or 0xA0–0xBF) is found', () => {
  for (const lead of [':', '?', '\u00a0', '\u00bf', '12:', '1\u00b0']) {
    const s = `Sag ${lead}1404322464 og mere tekst her`;
    assert.deepEqual(scanText(s).map((f) => f.digits), ['1404322464'], JSON.stringify(s));
  }
});

test('attack: a lone high surrogate right before a number does not hide it', () => {
  // a lone surrogate reads as a boundary (U+FFFD in a mail client), one unit wide
  assert.deepEqual(scanText('\ud8001404322464').map((f) => [f.start, f.end]), [[1, 11]]);
  assert.deepEqual(scanText('Sag \ud800140432-2464 slut').map((f) => f.digits), ['1404322464']);
});

test('attack: a soft hyphen between every digit (Latin-1) is still one number', () => {
  const s = 'Sag ' + [...'1404322464'].join('\u00ad') + ' slut';
  assert.deepEqual(scanText(s).map((f) => f.digits), ['1404322464']);
});

test('a text larger than the kept scratch buffer, then a small one, both scan right', () => {
  const big = 'Sag 140432-2464 bilag 12345678 '.repeat(180_000); // 5.6 MB, above the 4 MiB kept
  assert.equal(scanText(big).length, 180_000);
  assert.deepEqual(scanText('kl. 15:00 CPR 2512841234').map((f) => f.digits), ['2512841234']);
  assert.equal(scanText(big.replace(/bilag/g, 'bilag€')).length, 180_000);
  assert.deepEqual(scanText('(2812219561)').map((f) => f.digits), ['2812219561']);
});

test('the SIMD flag kernel and the JavaScript loop set the same F and X bits (every byte value, every position)', () => {
  assert.ok(useSimd(true), 'Node 20 has WebAssembly SIMD: the kernel must load here');
  const n = 256 * 16 + 7;
  const simd = kernelCopy(n + 16, 1 << 22);
  assert.ok(simd !== null);
  const plain = new Latin1Copy((n + 31) & ~15);
  for (const copy of [simd, plain]) {
    // byte value v at position v * 16 + (v % 16): each value once in every lane
    copy.u8.fill(0, 0, (n + 16) & ~15);
    for (let v = 0; v < 256; v++) copy.u8[v * 16 + (v % 16)] = v;
  }
  computeFlags(simd, n);
  useSimd(false);
  try {
    computeFlags(plain, n);
  } finally {
    useSimd(true);
  }
  const blocks = (n + 15) >> 4;
  assert.deepEqual([...simd.masks.subarray(0, blocks)], [...plain.masks.subarray(0, blocks)]);
  for (let v = 0; v < 256; v++) {
    const f = (v >= 0x30 && v <= 0x3f) || (v >= 0xa0 && v <= 0xbf);
    assert.equal((plain.masks[v] >> (v % 16)) & 1, f ? 1 : 0, `F of byte 0x${v.toString(16)}`);
    assert.equal((plain.masks[v] >> (16 + (v % 16))) & 1, f && !(v >= 0x30 && v <= 0x39) ? 1 : 0, `X of byte 0x${v.toString(16)}`);
  }
});

test('property: scanText finds the same with the SIMD kernel and with the JavaScript loop', () => {
  fc.assert(fc.property(latin1Text, (s) => {
    const withSimd = key(s);
    useSimd(false);
    try {
      assert.equal(key(s), withSimd);
    } finally {
      useSimd(true);
    }
  }), { numRuns: 1000 });
});

test('digit runs the skip step passes over (not 6 or 10 long) never hide a number next to them', () => {
  for (const len of [6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 21, 26, 40]) {
    for (let at = 0; at < 20; at++) {
      const run = '9'.repeat(len);
      const s = 'x'.repeat(at) + ' ' + run + ' 1404322464 ' + run + ':140432-2464 ' + run + '\u00b2 ' + run;
      assert.equal(key(s), ref(s));
      assert.deepEqual(scanText(s).map((f) => f.digits), ['1404322464', '1404322464'], JSON.stringify(s));
    }
  }
});

test('property: long text with a few wide units (stand-in bytes) finds what reading every unit finds', () => {
  const longWide = fc.array(widePiece, { minLength: 30, maxLength: 300 }).map((a) => a.join(''));
  let seen = 0;
  fc.assert(fc.property(longWide, (s) => {
    seen += scanText(s).length;
    assert.equal(key(s), ref(s));
  }), { numRuns: 2000 });
  assert.ok(seen > 300, `the generator must produce findings (saw ${seen})`);
});

test('wide units next to a number in a long Latin-1 text read as their class', () => {
  const pad = 'Sag vedr. bilag og mere tekst, så teksten bliver lang nok her: ';
  const cases: [string, string[]][] = [
    ['€1404322464', ['1404322464']], // symbol: a boundary
    ['1404322464€', ['1404322464']],
    ['140432–2464', ['1404322464']], // en dash: a separator
    ['140432\u20092464', ['1404322464']], // thin space: a separator
    ['14043\u200b2-2464', ['1404322464']], // zero-width space: ignored
    ['１４０４３２－２４６４', ['1404322464']], // fullwidth digits and hyphen
    ['Ж1404322464', []], // Cyrillic letter: glued
    ['𝐀1404322464', []], // astral letter (a surrogate pair): glued
    ['😀1404322464😀', ['1404322464']], // astral symbol: a boundary
    ['𝟏404322464', ['1404322464']], // astral digit: read as UTF-16
    ['\ud800140432-2464', ['1404322464']], // lone surrogate: a boundary
    ['“140432/8932”', []], // a slash variant needs mod-11 or a keyword
    ['CPR: “140432 - 2464”', []],
  ];
  for (const [middle, want] of cases) {
    const s = pad + middle + ' ' + pad;
    assert.deepEqual(scanText(s).map((f) => f.digits), want, middle);
    assert.equal(key(s), ref(s));
  }
});
