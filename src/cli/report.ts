// `postvagt report breach`: a draft breach notification for Datatilsynet (GDPR art. 33(3)).
// I/O: reads audit JSON files and the store's decisions (read only; a missing data folder is
// never created); writes the draft to stdout. Exit 0 ok, 2 bad usage or unreadable input.
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { flagError, type CliIO, type Command } from './io.ts';
import { PvError } from '../errors.ts';
import type { DecisionRecord } from '../store/types.ts';
import { buildBreachReport, parseAuditJson, periodBounds, type AuditInput } from '../audit/breach/index.ts';
import { DEFAULT_CONTACT } from '../config/schema.ts';
import { migratedNotice } from './existing-store.ts';

const HELP = `postvagt report breach — draft a breach notification for Datatilsynet (GDPR art. 33(3))

Usage:
  postvagt report breach --from YYYY-MM-DD --to YYYY-MM-DD [--format md|html]
                         [--audit FILE.json …] [--data DIR] [--config FILE]

Assembles, for the period (whole days in Danish time, Europe/Copenhagen, as the digest and the
dashboard count them): how many mails carried a CPR number in clear
headers and how many distinct persons (by keyed fingerprint, from Postvagt's records); how many
mails were lost without notice (from 'postvagt audit postfix|exchange --format json' outputs);
the recipient organisations (domains); likely consequences; measures taken. In Danish, with
short English glosses. It is a DRAFT: fields marked [UDFYLDES: …] must be completed by a person.

Options:
  --from, --to DATE   first and last day of the period (inclusive; Danish days, 00:00–24:00)
  --format md|html    Markdown (default) or one self-contained HTML page
  --audit FILE.json   an audit output to include (repeat for several)
  --data DIR          Postvagt's data folder (default ./var, or data_dir from --config)
  --config FILE       Postvagt's configuration file
  With only --audit files, the store is not read.

Examples:
  postvagt audit postfix /var/log/mail.log* --year 2024 --format json > postfix-audit.json
  postvagt report breach --from 2024-01-01 --to 2024-12-31 --audit postfix-audit.json > udkast.md
  postvagt report breach --from 2026-11-01 --to 2026-11-30 --config /etc/postvagt.yaml --format html > udkast.html
`;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(flag: string, v: string | undefined): string {
  if (v === undefined) throw new PvError('PV_USAGE', `${flag} YYYY-MM-DD is required (see 'postvagt report breach --help')`);
  if (!DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) {
    throw new PvError('PV_USAGE', `${flag} must be a calendar date YYYY-MM-DD (got '${v}')`);
  }
  return v;
}

async function readAudit(file: string, cwd: string): Promise<AuditInput> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PvError('PV_INPUT_UNREADABLE', code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not an audit JSON file' : `cannot read (${code})`, { file });
  }
  return parseAuditJson(file, text);
}

/** the store's CPR decisions in the period; the data folder must already exist */
async function readDecisions(opts: { data?: string; config?: string }, since: string, until: string, io: CliIO): Promise<{ rows: DecisionRecord[]; truncated: boolean; contact?: string }> {
  const dataDir = resolve(io.cwd, opts.data ?? 'var');
  if (opts.config === undefined && !existsSync(dataDir)) {
    throw new PvError('PV_INPUT_UNREADABLE', `no Postvagt data folder at ${dataDir}; give --data DIR or --config FILE, or only --audit FILE.json`);
  }
  const { loadConfig } = await import('../config/load.ts');
  const { openStore } = await import('../store/open.ts');
  const loaded = await loadConfig({ file: opts.config, env: io.env, cwd: io.cwd, overrides: opts.data ? { data: opts.data } : undefined });
  if (opts.config !== undefined && !existsSync(loaded.config.data_dir)) {
    throw new PvError('PV_INPUT_UNREADABLE', `the data folder ${loaded.config.data_dir} (from ${opts.config}) does not exist`);
  }
  const store = await openStore(loaded, { onMigrated: migratedNotice(io) });
  const LIMIT = 100_000;
  try {
    const rows = await store.listDecisions({ since, until, limit: LIMIT });
    // the schema's placeholder contact is no hint worth printing
    const contact = loaded.config.notify.contact === DEFAULT_CONTACT ? undefined : loaded.config.notify.contact;
    return { rows, truncated: rows.length >= LIMIT, contact };
  } finally {
    await store.close();
  }
}

async function breach(argv: string[], io: CliIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string', default: 'md' },
        audit: { type: 'string', multiple: true, default: [] }, data: { type: 'string' }, config: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true, allowPositionals: false,
    }));
  } catch (err) {
    throw flagError(err, 'report breach');
  }
  if (values.help) return io.stdout.write(HELP), 0;
  const from = validDate('--from', values.from);
  const to = validDate('--to', values.to);
  if (from > to) throw new PvError('PV_USAGE', `--from ${from} is after --to ${to}`);
  if (values.format !== 'md' && values.format !== 'html') throw new PvError('PV_USAGE', `--format must be md or html (got '${values.format}')`);
  const audits: AuditInput[] = [];
  for (const f of values.audit ?? []) audits.push(await readAudit(f, io.cwd));
  const useStore = audits.length === 0 || values.data !== undefined || values.config !== undefined;
  const { since, until } = periodBounds(from, to);
  const store = useStore ? await readDecisions({ data: values.data, config: values.config }, since, until, io) : null;
  io.stdout.write(buildBreachReport({
    from, to, decisions: store?.rows ?? null, decisionsTruncated: store?.truncated ?? false, audits,
    generatedAt: new Date(), contactHint: store?.contact,
  }, values.format));
  return 0;
}

export const report: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  if (sub === 'breach') return breach(rest, io);
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(HELP);
    return sub === undefined ? 2 : 0;
  }
  io.stderr.write(`postvagt report: unknown report '${sub}' (there is: breach)\n\n${HELP}`);
  return 2;
};
