// `npm run bench:audit [-- --lines N[,N…]] [--repeat R] [--against DIR]`: auditPostfix vs `grep -c
// status=sent` on the same generated log (medians of R interleaved runs, wall and CPU time; the audit on
// one thread, pipelined on two (reading beside the state machine), and sharded on two), two floors (only
// reading the lines; reading, parsing and counting delivered messages: bench/audit-floor.ts), peak memory
// at 2M and 10M lines; --against runs another checkout's audit (e.g. the previous commit) in the same rounds.
// I/O: writes temp logs (removed at the end), spawns grep and child audits.
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
import { readChunks } from '../src/audit/input.ts';
import { countFloor } from './audit-floor.ts';
import { runPipelined } from '../src/audit/postfix/pipeline.ts';

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

/** grep's wall time (spawned directly, as a person would run it) and its own CPU time (bash's `time`) */
function grepRun(file: string): { seconds: number; cpuSeconds: number; count: number } {
  const t = process.hrtime.bigint();
  const r = spawnSync('grep', ['-c', 'status=sent', file], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  // not to /dev/null: GNU grep stops at the first match when its output goes nowhere
  const timed = spawnSync('bash', ['-c', 'TIMEFORMAT="%3U %3S"; time grep -c status=sent "$1"', 'grep', file], { encoding: 'utf8' });
  const [user, sys] = timed.stderr.trim().split(/\s+/).map(Number);
  return { seconds, cpuSeconds: user + sys, count: Number(r.stdout.trim()) };
}

interface ChildRun { kept: number; seconds: number; cpuSeconds: number; lines: number; maxRssMiB: number; silent: number; messages: number }

/** Run this script as a fresh child process (so its peak RSS is this run's alone); its JSON answer. */
function childRun<T>(...args: string[]): T {
  return childIn<T>(process.cwd(), args);
}

/** the audit on two threads (POSTVAGT_AUDIT_THREADS=2, opt-in), to show what a worker thread adds */
function childTwo(file: string): ChildRun {
  return childIn<ChildRun>(process.cwd(), ['--child', file, 'problems', 'single'], { POSTVAGT_AUDIT_THREADS: '2' });
}

/** the same in another checkout (its own bench/audit.ts and src/) */
function childIn<T>(cwd: string, args: string[], env: Record<string, string> = {}): T {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/audit.ts', ...args], { encoding: 'utf8', cwd, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`child ${args[0]} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** The floor: only reading the bytes and finding the line ends (no parsing), as the audit reads them. */
async function childRead(file: string): Promise<void> {
  const t = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let lines = 0;
  for await (const chunk of readChunks(file)) {
    for (let s = 0, lf = chunk.indexOf(10); s < chunk.length; lf = chunk.indexOf(10, s)) {
      lines++;
      s = lf < 0 ? chunk.length : lf + 1;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, lines }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** one audit; `mode` single or pipeline says how a one-thread audit runs (otherwise the default) */
async function child(file: string, rows: 'problems' | 'none', mode?: string): Promise<void> {
  const t = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const pipeline = mode === 'pipeline' ? true : mode === 'single' ? false : undefined;
  const r = await auditPostfix([file], { year: 2026, rows, pipeline });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const messages = Object.values(r.messages).reduce((a, b) => a + b, 0);
  const kept = r.rows.length;
  const out = { kept, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, lines: r.lines, maxRssMiB: process.resourceUsage().maxRSS / 1024, silent: r.silent.length, messages };
  process.stdout.write(JSON.stringify(out));
}

/**
 * The pipeline's own split (in one process, the file in the page cache): how long the main thread
 * fed the state machine and waited for batches, and how long the worker waited for a free slot.
 */
async function childSplit(file: string): Promise<void> {
  const t = process.hrtime.bigint();
  const r = await runPipelined({ files: [file], year: 2026, keep: 'problems' }, () => undefined);
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  const out: Split = { seconds, feed: r.feedMs / 1e3, idle: r.idleMs / 1e3, workerWait: r.workerWaitMs / 1e3, batches: r.batches, fallback: r.fallback };
  process.stdout.write(JSON.stringify(out));
}

interface Split { seconds: number; feed: number; idle: number; workerWait: number; batches: number; fallback?: string }

/** medians of one column of rounds, against grep's rounds and the one-thread audit's counts */
function column(xs: ChildRun[], g: { seconds: number; cpuSeconds: number }[], a0: ChildRun) {
  return {
    seconds: median(xs.map((x) => x.seconds)), cpuSeconds: median(xs.map((x) => x.cpuSeconds)),
    ratioWall: median(xs.map((x, i) => x.seconds / g[i].seconds)), ratioCpu: median(xs.map((x, i) => x.cpuSeconds / Math.max(g[i].cpuSeconds, 1e-3))),
    same: xs.every((x) => x.messages === a0.messages && x.silent === a0.silent && x.kept === a0.kept),
    maxRssMiB: Math.max(...xs.map((x) => x.maxRssMiB)),
  };
}

/** R interleaved rounds (grep, audit, pipelined, two-thread audit, --against, floor, split) so machine load hits all alike; medians. */
function measure(file: string, repeat: number, against?: string) {
  const g: ReturnType<typeof grepRun>[] = [];
  const a: ChildRun[] = [];
  const b: ChildRun[] = [];
  const two: ChildRun[] = [];
  const pipe: ChildRun[] = [];
  const split: Split[] = [];
  const f: { seconds: number; cpuSeconds: number }[] = [];
  const count: { seconds: number; cpuSeconds: number; delivered: number }[] = [];
  for (let r = 0; r < repeat; r++) {
    g.push(grepRun(file));
    a.push(childRun<ChildRun>('--child', file, 'problems', 'single'));
    pipe.push(childRun<ChildRun>('--child', file, 'problems', 'pipeline'));
    two.push(childTwo(file));
    split.push(childRun<Split>('--child-split', file));
    if (against !== undefined) b.push(childIn<ChildRun>(against, ['--child', file, 'problems']));
    f.push(childRun('--child-read', file));
    count.push(childRun('--child-count', file));
  }
  const wall = a.map((x, i) => x.seconds / g[i].seconds);
  const cpu = a.map((x, i) => x.cpuSeconds / Math.max(g[i].cpuSeconds, 1e-3));
  return {
    grep: { seconds: median(g.map((x) => x.seconds)), cpuSeconds: median(g.map((x) => x.cpuSeconds)), count: g[0].count },
    audit: { ...a[0], seconds: median(a.map((x) => x.seconds)), cpuSeconds: median(a.map((x) => x.cpuSeconds)), maxRssMiB: Math.max(...a.map((x) => x.maxRssMiB)) },
    floor: { seconds: median(f.map((x) => x.seconds)), cpuSeconds: median(f.map((x) => x.cpuSeconds)) },
    count: { seconds: median(count.map((x) => x.seconds)), ratioWall: median(count.map((x, i) => x.seconds / g[i].seconds)), delivered: count[0].delivered },
    ratioWall: median(wall), ratioCpu: median(cpu), wallRange: [Math.min(...wall), Math.max(...wall)],
    two: column(two, g, a[0]),
    pipe: column(pipe, g, a[0]),
    split: {
      seconds: median(split.map((x) => x.seconds)), feed: median(split.map((x) => x.feed)), idle: median(split.map((x) => x.idle)),
      workerWait: median(split.map((x) => x.workerWait)), batches: split[0].batches, fallback: split.find((x) => x.fallback !== undefined)?.fallback,
    },
    other: b.length === 0 ? undefined : {
      seconds: median(b.map((x) => x.seconds)), cpuSeconds: median(b.map((x) => x.cpuSeconds)),
      ratioWall: median(b.map((x, i) => x.seconds / g[i].seconds)), ratioCpu: median(b.map((x, i) => x.cpuSeconds / Math.max(g[i].cpuSeconds, 1e-3))),
      same: b.every((x) => x.messages === a[0].messages && x.silent === a[0].silent && x.kept === a[0].kept),
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pv-bench-audit-'));
  try {
    // --lines N[,N…] for a quick run; default the issue's 2M and 10M; --repeat R rounds (default 3)
    const arg = process.argv.indexOf('--lines');
    const sizes = arg > 0 ? process.argv[arg + 1].split(',').map(Number) : [2_000_000, 10_000_000];
    const rep = process.argv.indexOf('--repeat');
    const repeat = rep > 0 ? Math.max(1, Number(process.argv[rep + 1])) : 3;
    const ag = process.argv.indexOf('--against');
    const against = ag > 0 ? process.argv[ag + 1] : undefined;
    for (const n of sizes) {
      const file = join(dir, `mail-${n}.log`);
      await generate(file, n);
      const mib = statSync(file).size / (1 << 20);
      grepRun(file); // warm the page cache for everyone
      const m = measure(file, repeat, against);
      // the same audit keeping no per-message rows: what the state machine itself needs
      const bare = childRun<ChildRun>('--child', file, 'none', 'single');
      const { grep: g, audit: a, floor } = m;
      const perS = (lines: number, s: number) => Math.round(lines / s).toLocaleString('en');
      console.log(`${n.toLocaleString('en')} lines (${mib.toFixed(0)} MiB), medians of ${repeat} interleaved rounds:\n`
        + `  grep -c status=sent  ${g.seconds.toFixed(2)} s wall, ${g.cpuSeconds.toFixed(2)} s CPU (${perS(n, g.seconds)} lines/s, ${g.count} matches)\n`
        + `  audit, one thread    ${a.seconds.toFixed(2)} s wall, ${a.cpuSeconds.toFixed(2)} s CPU (${perS(a.lines, a.seconds)} lines/s, `
        + `${perS(a.lines, a.cpuSeconds)} lines per CPU-second; ${a.messages} messages, ${a.silent} silent)\n`
        + `  ratio audit/grep     ${m.ratioWall.toFixed(2)}× wall (rounds ${m.wallRange[0].toFixed(2)}–${m.wallRange[1].toFixed(2)}×), ${m.ratioCpu.toFixed(2)}× CPU\n`
        + `  pipelined (POSTVAGT_AUDIT_PIPELINE=1): ${m.pipe.seconds.toFixed(2)} s wall, ${m.pipe.cpuSeconds.toFixed(2)} s CPU, `
        + `${m.pipe.ratioWall.toFixed(2)}× grep wall, ${m.pipe.ratioCpu.toFixed(2)}× grep CPU, peak RSS ${m.pipe.maxRssMiB.toFixed(0)} MiB; same counts: ${m.pipe.same}\n`
        + `    its main thread: ${m.split.feed.toFixed(2)} s feeding the state machine, ${m.split.idle.toFixed(2)} s waiting for batches; `
        + `the worker waited ${m.split.workerWait.toFixed(2)} s for the main thread (of ${m.split.seconds.toFixed(2)} s, ${m.split.batches} batches`
        + `${m.split.fallback !== undefined ? `; FELL BACK: ${m.split.fallback}` : ''})\n`
        + `  two threads (POSTVAGT_AUDIT_THREADS=2): ${m.two.seconds.toFixed(2)} s wall, ${m.two.cpuSeconds.toFixed(2)} s CPU, `
        + `${m.two.ratioWall.toFixed(2)}× grep wall, ${m.two.ratioCpu.toFixed(2)}× grep CPU, peak RSS ${m.two.maxRssMiB.toFixed(0)} MiB; same counts: ${m.two.same}\n`
        + (m.other ? `  --against ${against}: ${m.other.seconds.toFixed(2)} s wall, ${m.other.cpuSeconds.toFixed(2)} s CPU, `
          + `${m.other.ratioWall.toFixed(2)}× grep wall, ${m.other.ratioCpu.toFixed(2)}× grep CPU; same counts: ${m.other.same}\n` : '')
        + `  read + line ends only (no parsing) ${floor.seconds.toFixed(2)} s wall, ${floor.cpuSeconds.toFixed(2)} s CPU (${(floor.seconds / g.seconds).toFixed(2)}× grep)\n`
        + `  floor for any JavaScript audit (bench/audit-floor.ts: read, parse every prefix, count delivered messages in the audit's queue-id table; `
        + `no sessions, recipients or strings) ${m.count.seconds.toFixed(2)} s wall, ${m.count.ratioWall.toFixed(2)}× grep (${m.count.delivered} delivered)\n`
        + `  peak RSS ${a.maxRssMiB.toFixed(0)} MiB keeping ${a.kept} problem rows and ${a.silent} silent items; `
        + `${bare.maxRssMiB.toFixed(0)} MiB keeping no rows (only the silent items)\n`
        + `  load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs`);
      rmSync(file);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4] === 'none' ? 'none' : 'problems', process.argv[5]);
else if (process.argv[2] === '--child-split') await childSplit(process.argv[3]);
else if (process.argv[2] === '--child-read') await childRead(process.argv[3]);
else if (process.argv[2] === '--child-count') process.stdout.write(JSON.stringify(await countFloor(process.argv[3])));
else if (process.argv[2] === '--generate') await generate(process.argv[3], Number(process.argv[4]));
else await main();
