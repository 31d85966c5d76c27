// `npm run bench:audit`: auditPostfix vs `grep -c status=sent` on the same generated log, and peak
// memory at 2M and 10M lines. I/O: writes temp logs (removed at the end), spawns grep and child audits.
// Protects the issue-4 goals: within 4× of grep's time; memory bounded by open queue ids, not file size.
//
// The log is a replay of a log written by a real Postfix 3.7 (fixtures/postfix/e2e-postfix-3.7.log):
// times shifted forward, fresh queue ids for every replay. Realistic mix: most replays carry only the
// delivered messages' lines; every 100th replays the whole log (discards, bounces, expiries, holds…).
import { createWriteStream, readFileSync, rmSync, mkdtempSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import { auditPostfix } from '../src/audit/postfix/index.ts';
import { readLineBatches } from '../src/audit/input.ts';

const TEMPLATE = 'fixtures/postfix/e2e-postfix-3.7.log';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

function syslogStamp(t: Date): string {
  return `${MONTHS[t.getUTCMonth()]} ${String(t.getUTCDate()).padStart(2, ' ')} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
}

interface Tpl { offset: number; rest: string; ids: string[] }

async function template(): Promise<{ full: Tpl[]; delivered: Tpl[] }> {
  const lines = readFileSync(TEMPLATE, 'utf8').split('\n').filter((l) => l.length > 16);
  const t0 = Date.parse(`2026 ${lines[0].slice(0, 15)} UTC`);
  const r = await auditPostfix([TEMPLATE], { year: 2026, rows: 'all' });
  const ids = r.rows.map((m) => m.queue_id ?? '').filter((q) => /^[0-9A-F]+$/.test(q));
  const okIds = new Set(r.rows.filter((m) => m.fate === 'delivered').map((m) => m.queue_id));
  const full = lines.map((l) => ({
    offset: (Date.parse(`2026 ${l.slice(0, 15)} UTC`) - t0) / 1000,
    rest: l.slice(15),
    ids: ids.filter((q) => l.includes(q)),
  }));
  // ordinary traffic: the delivered messages' lines, and only the smtpd sessions that carried them
  const keep = new Set<number>();
  let sessionStart = -1;
  let sessionOk = false;
  full.forEach((t, i) => {
    if (/ postfix\/smtpd\[\d+\]: connect from /.test(t.rest)) { sessionStart = i; sessionOk = false; }
    if (t.ids.length > 0 && t.ids.every((q) => okIds.has(q))) {
      keep.add(i);
      if (/ postfix\/smtpd\[/.test(t.rest)) sessionOk = true;
    }
    if (/ postfix\/smtpd\[\d+\]: disconnect from /.test(t.rest) && sessionOk && sessionStart >= 0) { keep.add(sessionStart); keep.add(i); }
  });
  const delivered = full.filter((_, i) => keep.has(i));
  return { full, delivered };
}

/** Write `n` lines; returns the number of lines written. */
async function generate(file: string, n: number): Promise<void> {
  const { full, delivered } = await template();
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  let written = 0;
  let base = Date.UTC(2026, 0, 1);
  let seq = 0;
  for (let iter = 0; written < n; iter++) {
    const tpl = iter % 100 === 99 ? full : delivered;
    const fresh = new Map<string, string>();
    let chunk = '';
    for (const t of tpl) {
      if (written >= n) break;
      let rest = t.rest;
      for (const q of t.ids) {
        let id = fresh.get(q);
        if (!id) fresh.set(q, (id = (0x1000000000 + ++seq).toString(16).toUpperCase()));
        rest = rest.replaceAll(q, id);
      }
      chunk += `${syslogStamp(new Date(base + t.offset * 1000))}${rest}\n`;
      written++;
    }
    base += 20_000;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

function grepSeconds(file: string): { seconds: number; count: number } {
  const t = process.hrtime.bigint();
  const r = spawnSync('grep', ['-c', 'status=sent', file], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  return { seconds, count: Number(r.stdout.trim()) };
}

/** Audit in a fresh child process, so its peak RSS is this run's alone. */
function runRead(file: string): { seconds: number; cpuSeconds: number; lines: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/audit.ts', '--child-read', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child read failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function childAudit(file: string, rows: 'problems' | 'none' = 'problems'): { kept: number; seconds: number; cpuSeconds: number; lines: number; maxRssMiB: number; silent: number; messages: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/audit.ts', '--child', file, rows], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child audit failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The floor: only reading and decoding lines (no parsing), to show how much is Node's I/O. */
async function childRead(file: string): Promise<void> {
  const t = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let lines = 0;
  for await (const batch of readLineBatches(file)) lines += batch.length;
  const cpu = process.cpuUsage(cpu0);
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, lines }));
}

async function child(file: string, rows: 'problems' | 'none'): Promise<void> {
  const t = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const r = await auditPostfix([file], { year: 2026, rows });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const messages = Object.values(r.messages).reduce((a, b) => a + b, 0);
  const kept = r.rows.length;
  const out = { kept, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, lines: r.lines, maxRssMiB: process.resourceUsage().maxRSS / 1024, silent: r.silent.length, messages };
  process.stdout.write(JSON.stringify(out));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pv-bench-audit-'));
  try {
    const rows: string[] = [];
    // --lines N[,N…] for a quick run; default the 2M and 10M
    const arg = process.argv.indexOf('--lines');
    const sizes = arg > 0 ? process.argv[arg + 1].split(',').map(Number) : [2_000_000, 10_000_000];
    for (const n of sizes) {
      const file = join(dir, `mail-${n}.log`);
      await generate(file, n);
      const mib = statSync(file).size / (1 << 20);
      const g = grepSeconds(file);
      const a = childAudit(file);
      const floor = runRead(file);
      // the same audit keeping no per-message rows: what the state machine itself needs
      const bare = childAudit(file, 'none');
      const g2 = grepSeconds(file); // second grep: page cache is warm for both by now
      const grepS = Math.min(g.seconds, g2.seconds);
      rows.push(`${n.toLocaleString('en')} lines (${mib.toFixed(0)} MiB): `
        + `grep -c status=sent ${grepS.toFixed(2)} s (${Math.round(n / grepS).toLocaleString('en')} lines/s, ${g.count} matches); `
        + `auditPostfix ${a.seconds.toFixed(2)} s (${Math.round(a.lines / a.seconds).toLocaleString('en')} lines/s, ${a.messages} messages, ${a.silent} silent); `
        + `ratio audit/grep ${(a.seconds / grepS).toFixed(2)}× wall; audit CPU ${a.cpuSeconds.toFixed(2)} s `
        + `(${Math.round(a.lines / a.cpuSeconds).toLocaleString('en')} lines per CPU-second); audit peak RSS ${a.maxRssMiB.toFixed(0)} MiB (keeping ${a.kept} problem rows and ${a.silent} silent items for the report); `
        + `peak RSS keeping no rows ${bare.maxRssMiB.toFixed(0)} MiB (only the ${bare.silent} silent items); `
        + `read+decode only (no parsing) ${floor.seconds.toFixed(2)} s wall, ${floor.cpuSeconds.toFixed(2)} s CPU; `
        + `load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs`);
      console.log(rows[rows.length - 1]);
      rmSync(file);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4] === 'none' ? 'none' : 'problems');
else if (process.argv[2] === '--child-read') await childRead(process.argv[3]);
else if (process.argv[2] === '--generate') await generate(process.argv[3], Number(process.argv[4]));
else await main();
