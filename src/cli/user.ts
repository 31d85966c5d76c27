// `postvagt user add NAME [--data DIR] [--config FILE] [--replace]`: creates a dashboard user.
// I/O: reads the password from stdin (piped) or prompts without echo on a terminal; writes the
// scrypt hash to the store. The password itself is never printed, logged or stored.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.ts';
import { PvError } from '../errors.ts';
import { DEFAULT_SQLITE_FILE, openStore } from '../store/open.ts';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../web/auth.ts';
import { flagError, type CliIO, type Command } from './io.ts';
import { migratedNotice } from './existing-store.ts';

const HELP = `Usage: postvagt user add NAME [--data DIR] [--config FILE] [--replace] [--smtp]

Creates a user for the dashboard (http://127.0.0.1:8025 by default), or with --smtp an
account that may relay through listeners with relay.auth: true (SMTP AUTH; it cannot sign
in to the dashboard, and dashboard users cannot relay).
The password is read from standard input when it is not a terminal, otherwise you are
asked for it twice (nothing is shown while you type). At least ${MIN_PASSWORD_LENGTH} characters.

  --data DIR      data folder (overrides data_dir in the configuration)
  --config FILE   configuration file (default: embedded defaults, or $POSTVAGT_CONFIG)
  --replace       set a new password for an existing user
  --smtp          an SMTP AUTH relay account instead of a dashboard user

Examples:
  postvagt user add anna                      # asks for the password
  printf '%s\\n' "$PW" | postvagt user add drift --config /etc/postvagt/postvagt.yaml
`;

export const user: Command = async (argv, io) => {
  const { values, positionals } = parseUserArgs(argv);
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const [sub, name, ...extra] = positionals;
  if (sub !== 'add' || !name || extra.length > 0) throw new PvError('PV_USAGE', "expected 'user add NAME' (see 'postvagt user --help')");
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new PvError('PV_USAGE', 'NAME may hold letters, digits and . _ @ - (at most 64)');
  const password = io.stdin.isTTY ? await promptTwice(io) : await readFirstLine(io);
  checkPassword(password, name);
  const loaded = await loadConfig({ file: values.config, env: io.env, cwd: io.cwd, overrides: { data: values.data } });
  const { config } = loaded;
  const dbFile = config.store.kind === 'sqlite' ? config.store.path ?? join(config.data_dir, DEFAULT_SQLITE_FILE) : null;
  const fresh = dbFile !== null && !existsSync(dbFile);
  const store = await openStore(loaded, { onMigrated: migratedNotice(io) });
  try {
    const kind = values.smtp ? 'smtp' : 'dashboard';
    const result = await store.addUser({ name, passwordHash: await hashPassword(password), createdAt: new Date().toISOString(), kind }, { replace: values.replace });
    const what = kind === 'smtp' ? 'SMTP relay account' : 'dashboard user';
    io.stdout.write(`${result === 'created' ? 'created' : 'new password set for'} ${what} '${name}' in ${loaded.config.data_dir}\n`);
    // a typo in --data made a new, empty Postvagt here; the user then "cannot sign in" to the real one
    if (fresh) io.stderr.write(`postvagt user: note: there was no Postvagt database in ${config.data_dir}; a new one was created there, and 'postvagt serve' must use this folder (same --data or --config) for '${name}' to sign in\n`);
    return 0;
  } finally {
    await store.close();
  }
};

function parseUserArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: { data: { type: 'string' }, config: { type: 'string' }, replace: { type: 'boolean', default: false }, smtp: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw flagError(err, 'user add');
  }
}

export function checkPassword(password: string, name: string): void {
  if (password.length === 0) throw new PvError('PV_USAGE', 'the password is empty; give one on standard input or at the prompt');
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw new PvError('PV_USAGE', `the password is too short: use at least ${MIN_PASSWORD_LENGTH} characters (a few words is easiest to remember)`);
  }
  if (password.toLowerCase() === name.toLowerCase()) throw new PvError('PV_USAGE', 'the password must not be the user name');
}

/** Piped input: the first line, without its line ending (so `echo pw |` works). */
async function readFirstLine(io: CliIO): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin) {
    text += String(chunk);
    if (text.includes('\n') || text.length > 4096) break;
  }
  return text.split(/\r?\n/)[0];
}

async function promptTwice(io: CliIO): Promise<string> {
  const first = await readHidden(io, 'Adgangskode / password: ');
  const second = await readHidden(io, 'Gentag / repeat: ');
  if (first !== second) throw new PvError('PV_USAGE', 'the two passwords differ; nothing was changed');
  return first;
}

/** Terminal prompt without echo: raw mode, read until Enter; Ctrl-C aborts. */
function readHidden(io: CliIO, prompt: string): Promise<string> {
  const stdin = io.stdin as CliIO['stdin'] & { setRawMode?: (on: boolean) => void };
  io.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err: Error | null) => {
      stdin.setRawMode?.(false);
      stdin.off('data', onData);
      stdin.pause();
      io.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003') return done(new PvError('PV_USAGE', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.setRawMode?.(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}
