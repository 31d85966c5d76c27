// `postvagt quarantine list|release|delete`: what IT support does with mail the gateway held back.
// I/O: the store (never creates a missing data folder); `release` delivers over SMTP to the route of
// the incident's listener (or into the capture mailbox). Protects "no silent loss": an upstream refusal
// exits 1 with the incident unchanged; an address the store had to mask is never guessed (invariant 2).
import { parseArgs } from 'node:util';
import { sendDirect, type SentInfo } from './smtp-send.ts';
import { flagError, type CliIO, type Command } from './io.ts';
import { PvError } from '../errors.ts';
import { maskText } from '../detect/index.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { UpstreamConfig } from '../config/schema.ts';
import type { Incident, Store } from '../store/types.ts';
import { openExistingStore } from './existing-store.ts';
import { danishSecond } from '../time/danish.ts';
import { parseIncidentId } from '../store/ids.ts';

const HELP = `postvagt quarantine — held mail: list it, deliver it, or delete it

Usage:
  postvagt quarantine list [--data DIR] [--config FILE]
  postvagt quarantine release PV-… [--data DIR] [--config FILE]
  postvagt quarantine delete PV-… [--data DIR] [--config FILE]

When the policy action is 'quarantine', the gateway keeps a mail with a CPR number in a clear
header encrypted, and the sender's notice says IT support decides what happens to it.
  list      held mails still waiting for a decision: incident id, time, sender, recipients,
            subject (the number masked)
  release   deliver the held mail, byte for byte, with its original envelope sender and
            recipients, through the upstream route of the listener that received it (STARTTLS
            when offered; the route's require_tls, verify_certificates and ca_file apply).
            The CPR number is STILL IN THE HEADER of the released mail: releasing is your
            explicit decision that this is acceptable (for example the recipient is internal).
            Prefer asking the sender to send it again without the number in the subject.
            Refused when the store had to mask an address (it held a CPR number): the real
            address is only in the encrypted mail, and Postvagt does not guess.
            On success the incident is resolved as 'released-from-quarantine'.
  delete    remove the encrypted copy for good and resolve the incident as 'handled-manually'
            (for example after the sender sent the mail again without the number)

Options:
  --data DIR          Postvagt's data folder (default ./var, or data_dir from --config)
  --config FILE       Postvagt's configuration file (default: $POSTVAGT_CONFIG, if set)

Examples:
  postvagt quarantine list --config /etc/postvagt/postvagt.yaml
  postvagt quarantine release PV-20261129-7K3QXD --config /etc/postvagt/postvagt.yaml
  postvagt quarantine delete PV-20261129-7K3QXD --config /etc/postvagt/postvagt.yaml

Exit codes: 0 done; 1 the upstream refused or could not be reached (nothing changed; run again
later); 2 bad usage, unknown incident, not a held mail, or an unusable configuration.
`;

const LIMIT = 100_000;
/** how rows.ts masks a number inside an address: XXXXXX-XXXX, or DDMMYY-XXXX with mask: date */
const MASKED = /(?:X{6}|\d{6})-X{4}/;

interface Flags { data?: string; config?: string; help?: boolean }

function parseFlags(argv: string[]): { f: Flags; pos: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv, options: { data: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true, allowPositionals: true,
    });
    return { f: values, pos: positionals };
  } catch (err) {
    throw flagError(err, 'quarantine');
  }
}

async function list(store: Store, io: CliIO): Promise<number> {
  const all = await store.listIncidents({ limit: LIMIT });
  const held = all.filter((i) => i.action === 'quarantine' && i.status !== 'resolved').reverse();
  if (held.length === 0) return io.stdout.write('No held mail.\n'), 0;
  for (const i of held) {
    const to = i.recipients.join(', ');
    io.stdout.write(maskText(`${i.id}  ${danishSecond(new Date(i.time))} (dansk tid)  ${i.status}\n  from: ${i.sender || '<>'}\n  to:   ${to}\n  subject: ${i.subjectMasked}\n`));
  }
  io.stdout.write(`${held.length} held mail(s). 'postvagt quarantine release ID' delivers one, 'postvagt quarantine delete ID' removes it.\n`);
  return 0;
}

/** the incident behind `id`, when it is a quarantine incident; anything else is a usage error */
async function heldIncident(store: Store, pos: string[], verb: string): Promise<Incident> {
  if (pos.length !== 1) throw new PvError('PV_USAGE', `quarantine ${verb} takes one incident id, e.g. 'postvagt quarantine ${verb} PV-20261129-7K3QXD'`);
  // case numbers are upper case; one typed as read aloud ("pv-20261129-7k3qxd") is the same case
  const id = parseIncidentId(pos[0]) ?? pos[0];
  const incident = await store.getIncident(id);
  const shown = maskText(id.length > 40 ? `${id.slice(0, 40)}…` : id);
  if (!incident) throw new PvError('PV_USAGE', `no incident ${shown} (see 'postvagt quarantine list')`);
  if (incident.action !== 'quarantine') {
    throw new PvError('PV_USAGE', `incident ${shown} is not a held mail (its action was '${incident.action}'); only quarantined mail can be released or deleted`);
  }
  return incident;
}

async function release(loaded: LoadedConfig, store: Store, i: Incident, io: CliIO): Promise<number> {
  if (i.status === 'resolved') {
    throw new PvError('PV_USAGE', `incident ${i.id} is already resolved (${i.resolution ?? 'no resolution'}); releasing it could deliver the mail twice`);
  }
  const masked = [i.sender, ...i.recipients].filter((a) => MASKED.test(a));
  if (masked.length > 0) {
    throw new PvError('PV_USAGE', `incident ${i.id}: the envelope address ${masked.join(', ')} held a CPR number, so only its masked form is stored; Postvagt will not guess the real address. Ask the sender to send the mail again, then 'postvagt quarantine delete ${i.id}'`);
  }
  const raw = await store.readQuarantined(i.id);
  if (raw === null) throw new PvError('PV_USAGE', `incident ${i.id}: the held mail is no longer stored (was it deleted?)`);
  const { name, up } = routeOf(loaded, i);
  io.stderr.write(`postvagt quarantine: warning: ${i.id} is released with the CPR number still in its header (${i.subjectMasked}), by your decision\n`);
  let how: string;
  if (up.url === 'capture') {
    const n = await store.capture({ sender: i.sender, recipients: i.recipients, raw });
    how = `stored in the capture mailbox as message ${n} (route '${name}' is 'capture')`;
  } else {
    how = `accepted by ${up.url}: ${maskText(await sendSmtp(up, i, raw))}`;
  }
  await store.updateIncident(i.id, { status: 'resolved', resolution: 'released-from-quarantine' });
  io.stdout.write(maskText(`postvagt quarantine: ${i.id} released to ${i.recipients.join(', ')}, ${how}\n`));
  return 0;
}

/** the route the gateway itself would have used: the incident's listener → its upstream */
function routeOf(loaded: LoadedConfig, i: Incident): { name: string; up: UpstreamConfig } {
  const { listeners, upstreams } = loaded.config;
  const listener = listeners.find((l) => l.name === i.listener);
  const where = loaded.file ?? 'the configuration';
  if (!listener) throw new PvError('PV_CONFIG_INVALID', `incident ${i.id} came in on listener '${i.listener}', which ${where} no longer has; restore it to release the mail`);
  const up = upstreams[listener.upstream];
  if (!up) throw new PvError('PV_CONFIG_INVALID', `listener '${listener.name}' relays to upstream '${listener.upstream}', which ${where} does not define`);
  return { name: listener.upstream, up };
}

/** One SMTP transaction with the original envelope (smtp-send.ts: TLS as the gateway's own client). */
async function sendSmtp(up: UpstreamConfig, i: Incident, raw: Buffer): Promise<string> {
  let info: SentInfo;
  try {
    info = await sendDirect(up, { from: i.sender, to: i.recipients }, raw);
  } catch (err) {
    if (err instanceof PvError) throw err;
    throw upstreamError(up.url, err);
  }
  if (info.rejected.length > 0) return partial(info);
  return info.response;
}

/** some recipients accepted, some refused: it cannot be undone, and a second release would duplicate */
function partial(info: SentInfo): never {
  const refused = (info.rejectedErrors ?? []).map((e) => (e as { response?: string }).response ?? e.message).join('; ');
  throw new PvError('PV_UPSTREAM_FAILED', maskText(`the upstream accepted the mail for ${info.accepted.join(', ')} but refused ${info.rejected.join(', ')} (${refused}); the incident stays open — do NOT release it again (the accepted recipients would get it twice); forward it to the others by hand, then resolve the incident`));
}

function upstreamError(url: string, err: unknown): PvError {
  const e = err as Error & { responseCode?: number; response?: string; command?: string; code?: string };
  const what = e.responseCode
    ? `the upstream ${url} refused the mail${e.command ? ` at ${e.command}` : ''}: ${maskText((e.response ?? '').replace(/\s+/g, ' ').trim())}`
    : `cannot deliver to the upstream ${url}: ${maskText(e.message)}${e.code ? ` (${e.code})` : ''}`;
  return new PvError('PV_UPSTREAM_FAILED', `${what}; nothing was released and the incident is unchanged`, { cause: err });
}

async function remove(store: Store, i: Incident, io: CliIO): Promise<number> {
  const deleted = await store.deleteQuarantined(i.id);
  if (!deleted && i.status === 'resolved') {
    throw new PvError('PV_USAGE', `incident ${i.id} holds no mail any more and is already resolved (${i.resolution ?? 'no resolution'})`);
  }
  if (i.status !== 'resolved') await store.updateIncident(i.id, { status: 'resolved', resolution: 'handled-manually' });
  const what = deleted ? 'the encrypted copy is deleted' : 'no copy was stored any more';
  io.stdout.write(`postvagt quarantine: ${i.id}: ${what}; the incident is resolved (${i.status === 'resolved' ? i.resolution : 'handled-manually'})\n`);
  return 0;
}

export const quarantine: Command = async (argv, io) => {
  const { f, pos } = parseFlags(argv);
  const [verb, ...rest] = pos;
  if (f.help) return io.stdout.write(HELP), 0;
  if (verb !== 'list' && verb !== 'release' && verb !== 'delete') {
    const got = verb === undefined ? 'nothing' : `'${maskText(verb)}'`;
    throw new PvError('PV_USAGE', `expected list, release or delete after 'quarantine', got ${got} (see 'postvagt quarantine --help')`);
  }
  if (verb === 'list' && rest.length > 0) throw new PvError('PV_USAGE', `quarantine list takes no arguments (got '${maskText(rest[0])}')`);
  const { loaded, store } = await openExistingStore(f, io);
  try {
    if (verb === 'list') return await list(store, io);
    const incident = await heldIncident(store, rest, verb);
    return verb === 'release' ? await release(loaded, store, incident, io) : await remove(store, incident, io);
  } finally {
    await store.close();
  }
};
