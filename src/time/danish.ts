// Danish calendar time, the one calendar every person-facing part of Postvagt counts in: the
// digest's day, the breach draft's period, the times on notices. Pure (Intl only, no clock read).
// Protects: a mail sent at 00:30 Danish time on the 1st belongs to the 1st, not to the day before,
// in summer and winter alike (the switch is at 01:00 UTC, so local midnight always exists once).

export const DANISH_TIME_ZONE = 'Europe/Copenhagen';

const wallClock = new Intl.DateTimeFormat('en-US', {
  timeZone: DANISH_TIME_ZONE, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
});

function wallParts(t: Date): Record<string, number> {
  return Object.fromEntries(wallClock.formatToParts(t).filter((p) => p.type !== 'literal').map((p) => [p.type, Number(p.value)]));
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** the Danish calendar day (YYYY-MM-DD) at instant t */
export function localDay(t: Date): string {
  const p = wallParts(t);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** the Danish calendar day of an ISO instant (a stored time) */
export function danishDay(iso: string): string {
  return localDay(new Date(iso));
}

/** "YYYY-MM-DD HH:MM" in Danish time */
export function danishMinute(t: Date): string {
  const p = wallParts(t);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
}

/** "YYYY-MM-DD HH:MM:SS" in Danish time, as the dashboard and escalations state it */
export function danishSecond(t: Date): string {
  const p = wallParts(t);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** a calendar day n days later (or earlier); plain date arithmetic, no time zone involved */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** UTC offset of Danish time at instant t, in ms (+1 h in winter, +2 h in summer) */
function offsetMs(t: Date): number {
  const p = wallParts(t);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t.getTime() / 1000) * 1000;
}

/** 00:00 Danish time on `day`, as a UTC ISO instant */
function midnight(day: string): string {
  const guess = Date.parse(`${day}T00:00:00Z`);
  const first = guess - offsetMs(new Date(guess));
  return new Date(guess - offsetMs(new Date(first))).toISOString();
}

/** Danish days `from`..`to` inclusive as a half-open UTC interval [since, until): 23, 24 or 25 h a day */
export function periodBounds(from: string, to: string): { since: string; until: string } {
  return { since: midnight(from), until: midnight(addDays(to, 1)) };
}

/** one Danish day as a half-open UTC interval [since, until) */
export function dayBounds(day: string): { since: string; until: string } {
  return periodBounds(day, day);
}
