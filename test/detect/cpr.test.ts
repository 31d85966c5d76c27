// Table tests for the CPR rules: century digit (all four cases), leap years, replacement
// numbers and modulus-11. Pure; no I/O.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { birthDate, centuryYear, cprKind, isLeapYear, mod11 } from '../../src/detect/index.ts';

test('century rule of the 7th digit, all four cases and their edges', () => {
  const cases: [label: string, yy: number, seventh: number, year: number][] = [
    ['0–3 are always 1900s (0)', 0, 0, 1900],
    ['0–3 are always 1900s (3, yy 99)', 99, 3, 1999],
    ['4: yy 36 is 2036', 36, 4, 2036],
    ['4: yy 37 is 1937', 37, 4, 1937],
    ['9: yy 00 is 2000', 0, 9, 2000],
    ['9: yy 99 is 1999', 99, 9, 1999],
    ['5: yy 57 is 2057', 57, 5, 2057],
    ['5: yy 58 is 1858', 58, 5, 1858],
    ['8: yy 00 is 2000', 0, 8, 2000],
    ['8: yy 99 is 1899', 99, 8, 1899],
    ['6: yy 36 is 2036', 36, 6, 2036],
    ['7: yy 80 is 1880', 80, 7, 1880],
  ];
  for (const [label, yy, seventh, year] of cases) assert.equal(centuryYear(yy, seventh), year, label);
});

test('leap years: 1900 is not one, 2000 is', () => {
  assert.equal(isLeapYear(1900), false);
  assert.equal(isLeapYear(2000), true);
  assert.equal(isLeapYear(1996), true);
  assert.equal(isLeapYear(1897), false);
});

test('date part validity by table', () => {
  const cases: [label: string, digits: string, kind: 'cpr' | 'replacement' | null][] = [
    ['ordinary date', '1404322464', 'cpr'],
    ['29 Feb 1900 (7th digit 0) is no date', '2902000000', null],
    ['29 Feb 2000 (7th digit 4) is a date', '2902004000', 'cpr'],
    ['29 Feb 2000 (7th digit 9) is a date', '2902009000', 'cpr'],
    ['29 Feb 1900 (7th digit 9, yy 00 → 2000) is a date', '2902009123', 'cpr'],
    ['29 Feb 1896 via 7th digit 5 → 2096, a leap year', '2902965000', 'cpr'],
    ['29 Feb 1897 is no date', '2902975000', null],
    ['29 Feb 1858 (7th digit 5, yy 58 → 1858) is no date', '2902585000', null],
    ['31 April is no date', '3104801234', null],
    ['day 00 is no date', '0001801234', null],
    ['month 00 is no date', '0100801234', null],
    ['month 13 is no date', '0113801234', null],
    ['day 32 is no date', '3201801234', null],
    ['replacement number: day + 60 (61 = the 1st)', '6101801234', 'replacement'],
    ['replacement number: 91 = the 31st', '9101801234', 'replacement'],
    ['replacement 31 April + 60 is no date', '9104801234', null],
    ['replacement for 29 Feb 2000', '8902004000', 'replacement'],
    ['day 60 is neither', '6001801234', null],
    ['day 92 is neither', '9201801234', null],
    ['not ten digits', '140432246', null],
    ['letters', '0203291WQ3', null],
  ];
  for (const [label, digits, kind] of cases) assert.equal(cprKind(digits), kind, label);
});

test('modulus-11 is computed with weights 4 3 2 7 6 5 4 3 2 1', () => {
  assert.equal(mod11('2110625629'), true, 'python-stdnum doc example');
  assert.equal(mod11('0707614285'), true);
  assert.equal(mod11('2110625628'), false);
  assert.equal(mod11('1404322464'), false);
});

test('birth date of a replacement number is the day minus 60', () => {
  assert.deepEqual(birthDate('7505924000'), { year: 1992, month: 5, day: 15 });
  assert.deepEqual(birthDate('2110620629'), { year: 1962, month: 10, day: 21 });
  assert.equal(birthDate('3102801234'), null);
});
