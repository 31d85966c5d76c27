// `postvagt scan text|message|mailbox`: find CPR numbers in stdin lines, messages or mailbox
// exports, printing JSON lines as in DESIGN's command-line contract (CSV/text for mailboxes).
// I/O: stdin, files, stdout/stderr. Protects invariant 2: digits only with --reveal.
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { flagError, type CliIO } from './io.ts';
import { maskText, scanText } from '../detect/index.ts';
import { describeError, PvError } from '../errors.ts';
import {
  mailboxKind, newSummary, readHeaderBlockFile, readHeaderBlockStream, scanBlock, scanMailbox, tally, type MessageResult,
} from '../audit/mailbox.ts';
import { csvHeader, findingJson, formatResult, messageJsonLine, summaryLine, type OutputFormat } from '../audit/mailbox/report.ts';
import { HELP, SCAN_HELP } from '../audit/mailbox/help.ts';

/**
 * Writes to stdout with back-pressure. A closed pipe (`| head`) ends output quietly; any other
 * write error (a full disk) ends it too and is reported once the command stops.
 */
class Output {
  closed = false;
  failure?: NodeJS.ErrnoException;
  /** `mask`: CPR numbers in file names are masked too, unless --reveal (invariant 2) */
  constructor(private readonly stream: Writable, private readonly mask: boolean) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      this.closed = true;
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') this.failure ??= err;
    });
  }
  async write(chunk: string): Promise<void> {
    if (this.closed || chunk === '') return;
    if (this.stream.write(this.mask ? maskText(chunk) : chunk)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.once('drain', done);
      this.stream.once('close', done);
    });
  }
}

interface Flags {
  reveal: boolean;
  failOnFind: boolean;
  format: OutputFormat;
  headers?: string[];
  positionals: string[];
}

function parse(sub: string, argv: string[]): Flags | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        reveal: { type: 'boolean', default: false },
        'fail-on-find': { type: 'boolean', default: false },
        format: { type: 'string', default: 'json' },
        headers: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw flagError(err, `scan ${sub}`);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const format = v.format as string;
  if (!['json', 'text', 'csv'].includes(format) || (sub !== 'mailbox' && format !== 'json')) {
    throw new PvError('PV_USAGE', `--format ${format} is not available for 'scan ${sub}' (mailbox: json, text, csv; text and message: json)`);
  }
  const headers = v.headers?.split(',').map((h) => h.trim()).filter(Boolean);
  if (v.headers !== undefined && headers?.length === 0) throw new PvError('PV_USAGE', '--headers needs a comma-separated list, e.g. Subject,To,X-*');
  return { reveal: !!v.reveal, failOnFind: !!v['fail-on-find'], format: format as OutputFormat, headers, positionals: parsed.positionals };
}

async function scanTextCmd(f: Flags, io: CliIO, out: Output): Promise<number> {
  if (f.positionals.length > 0) throw new PvError('PV_USAGE', "'scan text' reads standard input and takes no file names (use 'scan message FILE')");
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
  let n = 0;
  let found = false;
  for await (const line of lines) {
    const findings = scanText(line);
    found ||= findings.length > 0;
    await out.write(`${JSON.stringify({ line: ++n, findings: findings.map((x) => findingJson(x, f.reveal)) })}\n`);
    if (out.closed) break;
  }
  lines.close();
  return found && f.failOnFind ? 1 : 0;
}

/** A line on stderr; file names may hold CPR numbers, so it is masked unless --reveal. */
function note(io: CliIO, f: Flags, text: string): void {
  io.stderr.write(f.reveal ? text : maskText(text));
}

function report(io: CliIO, f: Flags, r: MessageResult): void {
  if (r.error) note(io, f, `postvagt scan: ${describeError(r.error)}\n`);
  if (r.warning) note(io, f, `postvagt scan: ${r.file}: warning: ${r.warning}\n`);
}

async function scanMessageCmd(f: Flags, io: CliIO, out: Output): Promise<number> {
  const files = f.positionals.length > 0 ? f.positionals : ['-'];
  let errors = 0;
  let found = false;
  for (const file of files) {
    let r: MessageResult;
    try {
      const block = file === '-' ? await readHeaderBlockStream(io.stdin) : await readHeaderBlockFile(file);
      r = scanBlock(file, block, { headers: f.headers });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      r = { file, findings: [], error: new PvError('PV_INPUT_UNREADABLE', `cannot read: ${e.code ?? e.message}`, { file }) };
    }
    report(io, f, r);
    if (r.error) errors++;
    else await out.write(messageJsonLine(r, f.reveal));
    found ||= r.findings.length > 0;
    if (out.closed) break;
  }
  return errors > 0 ? 2 : found && f.failOnFind ? 1 : 0;
}

async function scanMailboxCmd(f: Flags, io: CliIO, out: Output): Promise<number> {
  if (f.positionals.length === 0) throw new PvError('PV_USAGE', "'scan mailbox' needs a PATH: an mbox file, a Maildir or a folder of .eml files");
  const progress = io.stderr.isTTY === true;
  let status = 0;
  if (f.format === 'csv') await out.write(csvHeader(f.reveal));
  for (const path of f.positionals) {
    const summary = newSummary();
    try {
      summary.kind = await mailboxKind(path);
      for await (const r of scanMailbox(path, { headers: f.headers })) {
        tally(summary, r);
        report(io, f, r);
        await out.write(formatResult(r, f.format, f.reveal));
        if (out.closed) break;
        if (progress && (summary.messages + summary.errors) % 200 === 0) {
          note(io, f, `\r${path}: ${summary.messages} messages, ${summary.withFindings} with findings…`);
        }
      }
    } catch (err) {
      note(io, f, `${progress ? '\r\x1b[K' : ''}postvagt scan: ${describeError(err)}\n`);
      status = 2;
      continue;
    }
    note(io, f, `${progress ? '\r\x1b[K' : ''}${summaryLine(path, summary)}`);
    if (summary.errors > 0) status = 2;
    if (status === 0 && summary.withFindings > 0 && f.failOnFind) status = 1;
  }
  return status;
}

const SUBCOMMANDS: Record<string, (f: Flags, io: CliIO, out: Output) => Promise<number>> = {
  text: scanTextCmd,
  message: scanMessageCmd,
  mailbox: scanMailboxCmd,
};

export async function scan(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(HELP);
    return sub === undefined ? 2 : 0;
  }
  const run = SUBCOMMANDS[sub];
  if (!run) {
    io.stderr.write(`postvagt scan: unknown subcommand '${sub}'\n\n${HELP}`);
    return 2;
  }
  const flags = parse(sub, rest);
  if (flags === 'help') {
    io.stdout.write(SCAN_HELP[sub]);
    return 0;
  }
  const out = new Output(io.stdout, !flags.reveal);
  const code = await run(flags, io, out);
  if (!out.failure) return code;
  io.stderr.write(`postvagt scan: cannot write the output: ${out.failure.code ?? out.failure.message}\n`);
  return 1;
}
