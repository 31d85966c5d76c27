// The detection core's public face: CPR rules, the text scanner, masking, fingerprints and
// header decoding. Pure: no I/O, no imports from policy/gateway/store (STYLE 3).
// Protects the DESIGN "Detection rule" and invariant 2 (only masked forms leave memory).
export * from './types.ts';
export { scanText, maskText, fingerprint } from './scanner.ts';
export { parseHeaderBlock, scanHeaders, isScannedHeader } from './headers.ts';
export { decodeHeaderValue, decodeWords, decodeCharset } from './rfc2047.ts';
export { centuryYear, isLeapYear, daysInMonth, cprKind, mod11, birthDate } from './cpr.ts';
