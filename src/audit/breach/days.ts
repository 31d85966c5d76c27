// Danish calendar days for the breach draft: the period --from/--to is whole days in Danish time
// (Europe/Copenhagen, summer time included), as the digest and the dashboard count them. Pure.
// Protects: a mail sent at 00:30 Danish time on the 1st belongs to the 1st, not to the day before.
// Same rule as src/cli/digest.ts (dayBounds/localDay), kept here so the audit code does not load the CLI.

export const BREACH_TIME_ZONE = 'Europe/Copenhagen';

const wallClock = new Intl.DateTimeFormat('en-US', {
  timeZone: BREACH_TIME_ZONE, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
});

function wallParts(t: Date): Record<string, number> {
  return Object.fromEntries(wallClock.formatToParts(t).filter((p) => p.type !== 'literal').map((p) => [p.type, Number(p.value)]));
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** the Danish calendar day (YYYY-MM-DD) of an ISO instant */
export function danishDay(iso: string): string {
  const p = wallParts(new Date(iso));
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** "YYYY-MM-DD HH:MM" in Danish time, for the generated-at line */
export function danishMinute(t: Date): string {
  const p = wallParts(t);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
}

/** UTC offset of Danish time at instant t, in ms (+1 h in winter, +2 h in summer) */
function offsetMs(t: Date): number {
  const p = wallParts(t);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t.getTime() / 1000) * 1000;
}

/** 00:00 Danish time on `day`, as a UTC ISO instant (the switch is at 01:00 UTC, so midnight exists once) */
function midnight(day: string): string {
  const guess = Date.parse(`${day}T00:00:00Z`);
  const first = guess - offsetMs(new Date(guess));
  return new Date(guess - offsetMs(new Date(first))).toISOString();
}

function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** Danish days `from`..`to` inclusive as a half-open UTC interval [since, until) */
export function periodBounds(from: string, to: string): { since: string; until: string } {
  return { since: midnight(from), until: midnight(nextDay(to)) };
}
