// Incident and transaction ids. Pure except for the random source, which is injectable.
// The incident id is allocated *before* replying and quoted in the reply and notice (STYLE 8).
import { randomBytes } from 'node:crypto';

// Crockford base32 without I, L, O, U: ids are read aloud on the phone to IT support.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function incidentId(now: Date = new Date(), random: (n: number) => Uint8Array = randomBytes): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  const bytes = random(6);
  let s = '';
  for (const b of bytes) s += ALPHABET[b & 31];
  return `PV-${day}-${s}`;
}

export const INCIDENT_ID_PATTERN = /^PV-\d{8}-[0-9A-HJKMNP-TV-Z]{6}$/;

/**
 * A case number as a person types or reads it back ("pv-20261129-7k3qxd ", spaces around): the id
 * in its stored form, or null when it is not one — then the caller shows it masked, never echoes it.
 */
export function parseIncidentId(input: string): string | null {
  const id = input.trim().toUpperCase();
  // the shape only (letters outside our alphabet included): such an id is simply not found
  return /^PV-\d{8}-[0-9A-Z]{6}$/.test(id) ? id : null;
}
