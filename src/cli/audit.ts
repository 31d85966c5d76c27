// `postvagt audit postfix|exchange|config`: flag parsing, help texts, dispatch and exit codes.
// I/O: reads the inputs (through the audit modules), writes the report to stdout, problems to stderr.
// Contract (DESIGN): 0 ok; 1 lost mail / findings with --fail-on-find; 2 bad usage or an unreadable input.
import type { CliIO, Command } from './io.ts';
import { PvError, describeError } from '../errors.ts';
import { checkInput } from '../audit/input.ts';
import { progressBar } from '../audit/progress.ts';
import { FATES, type AuditResult } from '../audit/types.ts';
import { FATE_TEXT, AUDIT_FORMATS, formatAudit, type AuditFormat } from '../audit/report/index.ts';

const FATE_HELP = FATES.map((f) => `  ${f.padEnd(20)} ${FATE_TEXT[f]}`).join('\n');

const HELP: Record<string, string> = {
  audit: `postvagt audit — find mail that was lost without notice, and the rules that lose it

Usage:
  postvagt audit postfix LOG… [--format text|json|csv|html] [--year YYYY] [--threads N] [--fail-on-find]
  postvagt audit exchange LOG… [--format text|json|csv|html] [--fail-on-find]
  postvagt audit config PATH… [--format text|json] [--fail-on-find]

Run 'postvagt audit <postfix|exchange|config> --help' for details and examples.
`,
  postfix: `postvagt audit postfix LOG… — every message's fate, reconstructed from Postfix logs

Reads syslog files (maillog, mail.log, their rotated .1 and .gz copies) in any order: they are
sorted by their first timestamp. Plain and gzip files are told apart by content. Any size: the
files are streamed, and memory grows only with the messages still open at a time.

Options:
  --format text|json|csv|html   report format (default text). json: {"messages","recipients","silent",…};
                                csv: one row per message; html: one self-contained page with a chart.
  --year YYYY                   year of the first line, for classic syslog stamps ("Nov 29 17:53:49"),
                                which carry none (Postfix's own maillog_file writes them too). The year
                                counts forward at each Dec→Jan. Default: this year, or last year if
                                the first month is still ahead.
  --threads N                   threads to audit with, 1–16 (default 1, or POSTVAGT_AUDIT_THREADS). Each
                                thread reads every line and follows a share of the messages, so it pays
                                only on large plain logs with CPUs to spare (on 2 CPUs it did not; gzip
                                input always uses one). The report is the same whatever N.
                                Without it, logs of 64 MiB or more are read and parsed in a second
                                thread beside the audit itself when there is a second CPU
                                (POSTVAGT_AUDIT_PIPELINE=0 turns that off, =1 on for any size).
  --fail-on-find                exit 1 when any message was silently dropped or failed without notice
  -h, --help                    this text

Fates, worst first (a message takes its worst recipient's fate):
${FATE_HELP}

A notice counts only when the log shows it was made ("sender non-delivery notification: QUEUEID").
Silently dropped covers header_checks/body_checks DISCARD, milter and smtpd access DISCARD, the
discard transport (it logs status=sent), and held or deferred mail deleted with postsuper -d.

Examples:
  postvagt audit postfix /var/log/mail.log /var/log/mail.log.1 /var/log/mail.log.*.gz --year 2024
  postvagt audit postfix /var/log/mail.log* --format html > audit.html
  postvagt audit postfix /var/log/mail.log --format json --fail-on-find | jq '.silent'

Exit codes: 0 ok; 1 lost mail found (with --fail-on-find); 2 bad usage or an input could not be read
(the other inputs are still audited and reported).
`,
  exchange: `postvagt audit exchange LOG… — every message's fate from Exchange message-tracking logs

Reads MSGTRK*.LOG files (with their #Fields: line), plain or gzip. DROP and BADMAIL without a DSN,
and FAIL without a DSN, are losses nobody was told about.

Options:
  --format text|json|csv|html   report format (default text); json as for 'audit postfix', silent items
                                carry message_id instead of queue_id
  --fail-on-find                exit 1 when any message was silently dropped or failed without notice

Fates, worst first:
${FATE_HELP}

Examples:
  postvagt audit exchange 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\Logs\\MessageTracking\\MSGTRK2024*.LOG'
  postvagt audit exchange MSGTRK*.LOG --format csv > fates.csv

Exit codes: 0 ok; 1 lost mail found (with --fail-on-find); 2 bad usage or an unreadable input.
`,
  config: `postvagt audit config PATH… — rules that lose mail silently or let CPR numbers through

PATH is a Postfix configuration directory (main.cf, master.cf and the header/body check tables
they name) or an Exchange transport-rule export (Get-TransportRule | ConvertTo-Json > rules.json).

Options:
  --format text|json   report format (default text); json: {"findings":[{file,line,severity,rule,message}]}
  --fail-on-find       exit 1 when there is any finding

Examples:
  postvagt audit config /etc/postfix
  postvagt audit config /etc/postfix rules.json --format json

Exit codes: 0 ok; 1 findings (with --fail-on-find); 2 bad usage or an unreadable path.
`,
};

interface Flags { inputs: string[]; format: string; year?: number; threads?: number; failOnFind: boolean; help: boolean }

function parseFlags(argv: string[], allowed: readonly string[], postfixFlags: boolean): Flags {
  const f: Flags = { inputs: [], format: 'text', failOnFind: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [name, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new PvError('PV_USAGE', `${name} needs a value`);
      return v;
    };
    if (name === '-h' || name === '--help') f.help = true;
    else if (name === '--fail-on-find') f.failOnFind = true;
    else if (name === '--format') {
      f.format = value();
      if (!allowed.includes(f.format)) throw new PvError('PV_USAGE', `--format must be one of ${allowed.join(', ')} (got '${f.format}')`);
    } else if (name === '--year' && postfixFlags) {
      const y = value();
      if (!/^\d{4}$/.test(y)) throw new PvError('PV_USAGE', `--year must be a four-digit year (got '${y}')`);
      f.year = Number(y);
    } else if (name === '--threads' && postfixFlags) {
      const n = value();
      if (!/^\d+$/.test(n) || Number(n) < 1 || Number(n) > 16) throw new PvError('PV_USAGE', `--threads must be a whole number from 1 to 16 (got '${n}')`);
      f.threads = Number(n);
    } else if (name === '--') f.inputs.push(...argv.slice(i + 1)), (i = argv.length);
    else if (name.startsWith('-') && name !== '-') throw new PvError('PV_USAGE', `unknown option '${name}'`);
    else f.inputs.push(a);
  }
  return f;
}

/** Unreadable inputs are left out (and become warnings in the report); the audit goes on with the rest. */
async function readableInputs(files: string[]): Promise<{ ok: string[]; problems: string[] }> {
  const ok: string[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      await checkInput(file);
      ok.push(file);
    } catch (err) {
      problems.push(describeError(err));
    }
  }
  return { ok, problems };
}

/** Lost mail that nobody was told about: what --fail-on-find looks for. */
function lostCount(r: AuditResult): number {
  return r.messages.silently_dropped + r.messages.bounced_no_notice + r.messages.expired_no_notice;
}

async function auditLogs(sub: 'postfix' | 'exchange', argv: string[], io: CliIO): Promise<number> {
  const flags = parseFlags(argv, AUDIT_FORMATS, sub === 'postfix');
  if (flags.help) return io.stdout.write(HELP[sub]), 0;
  if (flags.inputs.length === 0) throw new PvError('PV_USAGE', `give at least one log file (see 'postvagt audit ${sub} --help')`);
  const { ok, problems } = await readableInputs(flags.inputs);
  const bar = progressBar(io.stderr);
  let result: AuditResult;
  try {
    if (sub === 'postfix') {
      const { auditPostfix } = await import('../audit/postfix/index.ts');
      result = await auditPostfix(ok, { year: flags.year, threads: flags.threads, onProgress: bar.onProgress, rows: flags.format === 'csv' ? 'all' : 'problems' });
    } else {
      const { auditExchange } = await import('../audit/exchange/index.ts');
      result = await auditExchange(ok, { onProgress: bar.onProgress });
    }
  } finally {
    bar.done();
  }
  // the auditors list only what they audited; what was not is carried in the report (JSON `warnings`, text, HTML)
  result.warnings = [...problems, ...result.warnings];
  const nothing = result.files.length === 0;
  for (const w of result.warnings) io.stderr.write(`postvagt audit ${sub}: ${nothing ? 'error' : 'warning'}: ${w}\n`);
  if (nothing) {
    // a report of zeros would read as "nothing lost": say plainly that nothing was audited
    const kind = sub === 'postfix' ? 'a readable Postfix log' : 'a readable Exchange message-tracking log';
    io.stderr.write(`postvagt audit ${sub}: error: nothing was audited (no input was ${kind}), so there is no report\n`);
    return 2;
  }
  io.stdout.write(formatAudit(result, flags.format as AuditFormat));
  // an input that cannot be read, or is not a log of this kind at all, makes the run exit 2 (DESIGN)
  const unreadable = result.warnings.filter((w) => /\[PV_INPUT_(UNREADABLE|FORMAT)\]/.test(w)).length;
  if (unreadable > 0) return 2;
  return flags.failOnFind && lostCount(result) > 0 ? 1 : 0;
}

async function auditConfigCmd(argv: string[], io: CliIO): Promise<number> {
  const flags = parseFlags(argv, ['text', 'json'], false);
  if (flags.help) return io.stdout.write(HELP.config), 0;
  if (flags.inputs.length === 0) throw new PvError('PV_USAGE', "give a Postfix configuration directory or a transport-rule export (see 'postvagt audit config --help')");
  const { auditConfig, formatConfigAudit } = await import('../audit/config/index.ts');
  const r = await auditConfig(flags.inputs);
  for (const w of r.warnings) io.stderr.write(`postvagt audit config: warning: ${w}\n`);
  io.stdout.write(formatConfigAudit(r, flags.format as 'text' | 'json'));
  const { existsSync } = await import('node:fs');
  if (flags.inputs.some((p) => !existsSync(p))) return 2;
  return flags.failOnFind && r.findings.length > 0 ? 1 : 0;
}

export const audit: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  if (sub === 'postfix' || sub === 'exchange') return auditLogs(sub, rest, io);
  if (sub === 'config') return auditConfigCmd(rest, io);
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(HELP.audit);
    return sub === undefined ? 2 : 0;
  }
  io.stderr.write(`postvagt audit: unknown subcommand '${sub}'\n\n${HELP.audit}`);
  return 2;
};
