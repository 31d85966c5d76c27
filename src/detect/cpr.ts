// CPR number rules as small pure functions (STYLE 1): birth date with the century rule of
// the 7th digit, replacement numbers (day + 60) and modulus-11. No I/O.
// Protects the detection rule in DESIGN.md: mod-11 is a flag, never a gate.
import type { CprKind } from './types.ts';

/**
 * Full year for a two-digit year YY and the 7th digit (first digit of the serial), as
 * CPR-kontoret defines it: 0–3 → 19YY; 4 and 9 → 20YY if YY ≤ 36, else 19YY;
 * 5–8 → 20YY if YY ≤ 57, else 18YY.
 */
export function centuryYear(yy: number, seventh: number): number {
  if (seventh <= 3) return 1900 + yy;
  if (seventh === 4 || seventh === 9) return yy <= 36 ? 2000 + yy : 1900 + yy;
  return yy <= 57 ? 2000 + yy : 1800 + yy;
}

/** Gregorian leap year: 1900 is not one, 2000 is. */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS[month - 1];
}

/**
 * Classify ten digit values (0–9 each) as a CPR number: `cpr` when DDMMYY is a real date in
 * the century the 7th digit gives, `replacement` when the day is written as day + 60, and
 * null when the date part is not a date. The date may lie in the future: pure code does not
 * read the clock, and a number that looks like a CPR number is treated as one.
 */
export function cprKindOfDigits(d: ArrayLike<number>): CprKind | null {
  let day = d[0] * 10 + d[1];
  const month = d[2] * 10 + d[3];
  if (month < 1 || month > 12) return null;
  let kind: CprKind = 'cpr';
  if (day > 60) {
    day -= 60;
    kind = 'replacement';
  }
  if (day < 1) return null;
  const year = centuryYear(d[4] * 10 + d[5], d[6]);
  return day <= daysInMonth(year, month) ? kind : null;
}

const WEIGHTS = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1];

/** Modulus-11 check of the ten digits (numbers issued since 2007 need not satisfy it). */
export function mod11OfDigits(d: ArrayLike<number>): boolean {
  let sum = 0;
  for (let k = 0; k < 10; k++) sum += WEIGHTS[k] * d[k];
  return sum % 11 === 0;
}

function digitValues(digits: string): number[] | null {
  if (!/^\d{10}$/.test(digits)) return null;
  return Array.from(digits, (ch) => ch.charCodeAt(0) - 48);
}

/** `cpr` / `replacement` / null for a 10-character ASCII digit string (no separator). */
export function cprKind(digits: string): CprKind | null {
  const d = digitValues(digits);
  return d ? cprKindOfDigits(d) : null;
}

export function mod11(digits: string): boolean {
  const d = digitValues(digits);
  return d ? mod11OfDigits(d) : false;
}

/** The birth date a CPR number encodes (replacement numbers: the day minus 60), or null. */
export function birthDate(digits: string): { year: number; month: number; day: number } | null {
  const d = digitValues(digits);
  if (!d || !cprKindOfDigits(d)) return null;
  const dd = d[0] * 10 + d[1];
  return {
    year: centuryYear(d[4] * 10 + d[5], d[6]),
    month: d[2] * 10 + d[3],
    day: dd > 60 ? dd - 60 : dd,
  };
}
