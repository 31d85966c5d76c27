// `postvagt digest [--date YYYY-MM-DD] [--send]`: the daily digest for the central mailbox.
// I/O: reads incidents from the store (never creates a missing data folder); prints, or with --send
// delivers over SMTP to the configured upstream (or into the embedded capture mailbox).
// Protects invariant 2 (the digest is masked text) and "no silent loss": a refused digest exits 1.
import { parseArgs } from 'node:util';
import { hostname } from 'node:os';
import { sendDirect } from './smtp-send.ts';
import { flagError, type Command } from './io.ts';
import { PvError } from '../errors.ts';
import { maskText } from '../detect/index.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { UpstreamConfig } from '../config/schema.ts';
import type { NoticeDraft, Store } from '../store/types.ts';
import { buildDigest, digestSubject, digestText, type DigestInput } from '../review/digest.ts';
import { openExistingStore } from './existing-store.ts';
import { addDays, dayBounds, DANISH_TIME_ZONE, localDay } from '../time/danish.ts';
import { DIGEST_QUERY_LIMIT, readDigestIncidents } from '../review/digest-incidents.ts';

const HELP = `postvagt digest — the daily digest of incidents for the central failure mailbox

Usage:
  postvagt digest [--date YYYY-MM-DD] [--send] [--format text|eml] [--data DIR] [--config FILE]

Lists one day's incidents (mails Postvagt stopped, changed or could not deliver), systemic
alerts first, then every incident still unresolved after 24 hours (a citizen's case may be
waiting), then the whole day. CPR numbers appear only masked (XXXXXX-XXXX).
The day is a calendar day in Danish time (Europe/Copenhagen), and the times listed are Danish
time too, as on the dashboard.

Options:
  --date YYYY-MM-DD   the day to report (default: yesterday, Danish time)
  --send              mail it to notify.central_mailbox through the upstream route 'default'
                      (or the first route); exit 1 if the upstream does not accept it.
                      With 'url: capture' it lands in the dashboard's capture mailbox.
  --format text|eml   without --send: readable text (default), or the mail as sent (RFC 5322)
  --data DIR          Postvagt's data folder (default ./var, or data_dir from --config)
  --config FILE       Postvagt's configuration file (default: $POSTVAGT_CONFIG, if set)

Examples:
  postvagt digest                                   # read yesterday's digest here
  postvagt digest --date 2026-11-28 --format eml > digest.eml
  postvagt digest --send --config /etc/postvagt/postvagt.yaml   # from cron, e.g. at 07:00

Exit codes: 0 printed or accepted by the upstream; 1 the upstream refused or could not be
reached (nothing was sent; run again); 2 bad usage, configuration or data folder.
`;

/** The calendar Postvagt's users live by; the digest's "day" is one of its days (DST included). */
export const DIGEST_TIME_ZONE = DANISH_TIME_ZONE;
export { localDay, addDays, dayBounds };

/** --date: a real calendar day, not in the future; the message shows the right form (value masked). */
export function parseDay(value: string, today: string): string {
  const example = `for example --date ${addDays(today, -1)} (yesterday)`;
  const d = new Date(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    // the value is echoed masked: someone may paste the wrong field, e.g. a CPR number
    const shown = maskText(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    throw new PvError('PV_USAGE', `--date must be a calendar date YYYY-MM-DD, ${example}; got '${shown}'`);
  }
  if (value > today) throw new PvError('PV_USAGE', `--date ${value} is in the future (today is ${today}, Danish time); ${example}`);
  if (value < '1970-01-01') throw new PvError('PV_USAGE', `--date ${value} is before Postvagt could have recorded anything; ${example}`);
  return value;
}

interface Flags {
  date?: string; send: boolean; format?: string; data?: string; config?: string; help?: boolean;
}

function parseFlags(argv: string[]): Flags {
  try {
    return parseArgs({
      args: argv,
      options: {
        date: { type: 'string' }, send: { type: 'boolean', default: false }, format: { type: 'string' },
        data: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true, allowPositionals: false,
    }).values;
  } catch (err) {
    throw flagError(err, 'digest');
  }
}

function checkFormat(f: Flags): 'text' | 'eml' {
  if (f.format !== undefined && f.send) {
    throw new PvError('PV_USAGE', "--format is for printing; with --send the digest is mailed, not printed (run without --send to look at it first)");
  }
  const format = f.format ?? 'text';
  if (format !== 'text' && format !== 'eml') throw new PvError('PV_USAGE', `--format must be text or eml (got '${maskText(format)}')`);
  return format;
}

/** the digest for a person at a terminal: who gets it, the subject, the text part */
function readable(input: DigestInput, to: string): string {
  return maskText(`To: ${to}\nSubject: ${digestSubject(input)}\n\n${digestText(input)}`);
}

export const digest: Command = async (argv, io) => {
  const f = parseFlags(argv);
  if (f.help) return io.stdout.write(HELP), 0;
  const now = new Date();
  const today = localDay(now);
  const day = f.date === undefined ? addDays(today, -1) : parseDay(f.date, today);
  const format = checkFormat(f);
  const { loaded, store } = await openExistingStore(f, io);
  try {
    const found = await readDigestIncidents(store, day, now);
    if (found.truncated) io.stderr.write(`postvagt digest: warning: more than ${DIGEST_QUERY_LIMIT} incidents matched; the digest shows the newest ${DIGEST_QUERY_LIMIT} (see the dashboard)\n`);
    if (day === today) io.stderr.write(`postvagt digest: note: ${day} is today; the digest covers it up to now\n`);
    const { notify } = loaded.config;
    const input: DigestInput = {
      day, incidents: found.incidents, unresolved: found.unresolved, now,
      centralMailbox: notify.central_mailbox, postmaster: notify.postmaster, reportingMta: routeOf(loaded).up.helo_name ?? hostname(),
      publicUrl: loaded.config.web.public_url,
    };
    const draft = buildDigest(input);
    if (!f.send) {
      io.stdout.write(format === 'eml' ? draft.raw : readable(input, draft.to));
      return 0;
    }
    const how = await deliver(draft, loaded, store);
    io.stdout.write(`postvagt digest: ${day} (${found.incidents.length} incidents, ${found.unresolved.length} unresolved) ${how}\n`);
    return 0;
  } finally {
    await store.close();
  }
};

/** the route notices use too (gateway/index.ts: 'default', else the first) */
function routeOf(loaded: LoadedConfig): { name: string; up: UpstreamConfig } {
  const ups = loaded.config.upstreams;
  const name = 'default' in ups ? 'default' : Object.keys(ups)[0];
  if (name === undefined) throw new PvError('PV_CONFIG_INVALID', 'upstreams: no route is configured, so the digest has nowhere to go');
  return { name, up: ups[name] };
}

async function deliver(draft: NoticeDraft, loaded: LoadedConfig, store: Store): Promise<string> {
  const { name, up } = routeOf(loaded);
  if (up.url === 'capture') {
    // what the embedded capture mailbox does with mail it receives (gateway/capture.ts)
    const id = await store.capture({ sender: draft.envelopeFrom, recipients: [draft.to], raw: draft.raw });
    return `stored for ${draft.to} in the capture mailbox as message ${id} (upstream '${name}' is 'capture'; see "Delivered" in the dashboard)`;
  }
  const response = await sendSmtp(up, draft);
  return `accepted for ${draft.to} by ${up.url}: ${maskText(response)}`;
}

/** One SMTP transaction, MAIL FROM:<> (RFC 5321 §4.5.5: automatic mail must not cause loops). */
async function sendSmtp(up: UpstreamConfig, draft: NoticeDraft): Promise<string> {
  try {
    return (await sendDirect(up, { from: draft.envelopeFrom, to: [draft.to] }, draft.raw)).response;
  } catch (err) {
    if (err instanceof PvError) throw err;
    throw upstreamError(up.url, err);
  }
}

/** what the upstream said, and what it means for the operator */
function upstreamError(url: string, err: unknown): PvError {
  const e = err as Error & { responseCode?: number; response?: string; command?: string; code?: string };
  const reply = e.response ? maskText(e.response.replace(/\s+/g, ' ').trim()) : '';
  const what = e.responseCode
    ? `the upstream ${url} refused the digest${e.command ? ` at ${e.command}` : ''}: ${reply}`
    : `cannot deliver the digest to the upstream ${url}: ${maskText(e.message)}${e.code ? ` (${e.code})` : ''}`;
  return new PvError('PV_UPSTREAM_FAILED', `${what}; nothing was sent (${hintFor(e)})`, { cause: err });
}

function hintFor(e: { responseCode?: number; command?: string; code?: string; message: string }): string {
  if (e.command === 'STARTTLS' || (!e.responseCode && /certificate|TLS|SSL/i.test(`${e.code} ${e.message}`))) {
    return "a TLS problem: check the upstream's STARTTLS and certificate, and the route's ca_file, require_tls and verify_certificates";
  }
  if (e.responseCode && e.responseCode >= 500) return 'a permanent refusal: check notify.central_mailbox and that the upstream relays mail from this host';
  return 'probably temporary: run the command again later';
}
