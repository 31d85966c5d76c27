// Typed results of detection (STYLE 2): what was found, never what to do about it.
// No I/O. Raw digits live only in memory (`digits`); everything that leaves the process
// uses `masked` and `fingerprint` (DESIGN invariant 2).

export type CprKind = 'cpr' | 'replacement';

export interface Finding {
  /** UTF-16 offsets into the scanned (decoded) string; [start, end) covers the number incl. separator */
  start: number;
  end: number;
  /** the ten digits, ASCII, no separator. In-memory only: never log, store or print without --reveal */
  digits: string;
  /** `replacement` when the day is 61–91 (day + 60) */
  kind: CprKind;
  /** the number satisfies modulus 11 (raises confidence; never required) */
  mod11: boolean;
  /** e.g. `XXXXXX-XXXX` (default) or `251284-XXXX` with mask style `date` */
  masked: string;
  /** keyed HMAC-SHA-256 of the ten digits, hex; empty string when no key was given */
  fingerprint: string;
}

export interface HeaderFinding extends Finding {
  /** header field name as written in the message, e.g. `Subject` */
  header: string;
  /** 0-based index of the header field in the header block (there may be several Received:, To: …) */
  fieldIndex: number;
}

export type MaskStyle = 'full' | 'date';

export interface ScanOptions {
  /** HMAC key for fingerprints; without it `fingerprint` is '' */
  fingerprintKey?: Uint8Array | string;
  /** default 'full' → XXXXXX-XXXX */
  maskStyle?: MaskStyle;
}

/** One header field in three forms (STYLE 7): as on the wire, unfolded, and RFC 2047-decoded. */
export interface HeaderField {
  name: string;
  /** bytes as received, including the folding CRLFs, without the final CRLF (latin1 string of the octets) */
  raw: string;
  /** value with folding removed (RFC 5322 §2.2.3), still encoded */
  unfolded: string;
  /** unfolded value with RFC 2047 encoded words decoded and NFKC applied: what a person reads */
  decoded: string;
}
