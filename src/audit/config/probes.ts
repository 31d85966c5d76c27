// Probe Subject header lines: the forms a CPR number really takes on the wire, to test whether
// a header_checks rule would catch it. Pure. Postfix header_checks see the header as
// received — still RFC 2047-encoded — so a rule written for the plain form misses the others.

export interface Probe {
  label: string;
  /** the logical header line as cleanup(8) hands it to header_checks (unfolded, encoded) */
  header: string;
}

const SUBJECT = 'Vedr. borger 010190-1234 ændret adresse';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
/** RFC 2047 §4.2 Q encoding: "_" for space, =XX for 8-bit and specials */
function q(s: string, encodeDash = false): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      if (b === 0x20) return '_';
      if (/[A-Za-z0-9]/.test(c) || (c === '-' && !encodeDash)) return c;
      return `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

export const PROBES: readonly Probe[] = [
  { label: 'plain (DDMMYY-SSSS)', header: 'Subject: Vedr. borger 010190-1234' },
  { label: 'without the dash (DDMMYYSSSS)', header: 'Subject: Vedr. borger 0101901234' },
  { label: 'RFC 2047 Q-encoded (as Outlook sends non-ASCII subjects)', header: `Subject: =?utf-8?Q?${q(SUBJECT)}?=` },
  { label: 'RFC 2047 Q-encoded with the dash as =2D', header: `Subject: =?utf-8?Q?${q(SUBJECT, true)}?=` },
  { label: 'RFC 2047 B-encoded (base64)', header: `Subject: =?utf-8?B?${b64(SUBJECT)}?=` },
  { label: 'split across two encoded words', header: `Subject: =?utf-8?Q?${q('Vedr. borger 010190-')}?= =?utf-8?Q?${q('1234 ændret')}?=` },
];

/** a subject with no number: a rule that catches this is a catch-all, not a CPR rule */
export const CONTROL: Probe = { label: 'no number', header: 'Subject: Referat fra mødet 12. marts' };
