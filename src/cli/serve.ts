// `postvagt serve`: config → store → SMTP gateway → dashboard → notice worker, and a graceful stop
// on SIGTERM/SIGINT. I/O: listeners, the store, the process's signals and streams.
// Protects invariant 1 at shutdown: DATA in flight finishes; new transactions get 421 4.3.2.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { openStore } from '../store/open.ts';
import { createLogger } from '../log.ts';
import { startGateway, type Gateway } from '../gateway/index.ts';
import { listenError } from '../gateway/ingress.ts';
import { startWeb } from '../web/server.ts';
import { startResendTracker } from '../review/resend-tracker.ts';
import { smtpAuthenticator } from '../web/auth.ts';
import { flagError, type Command, type CliIO } from './io.ts';
import type { Config } from '../config/schema.ts';
import { installFatalHandler } from './fatal.ts';

const HELP = `Usage: postvagt serve [--config FILE] [--upstream smtp://HOST:PORT] [--listen HOST:PORT]
                      [--http HOST:PORT] [--data DIR]

Runs the SMTP gateway and the dashboard. Without a config file: SMTP on 127.0.0.1:2525
(outbound policy: reject CPR numbers in headers), dashboard on http://127.0.0.1:8025,
data under ./var, and the embedded capture mailbox as the upstream.
Flags override the config: --listen/--upstream the first outbound listener and its route.
Stop with Ctrl-C or SIGTERM: mail in flight is finished, new mail gets 421 (try again).

Examples:
  postvagt serve                                         # try it: everything on this machine
  postvagt serve --config /etc/postvagt/postvagt.yaml    # production, as configured
  postvagt serve --upstream smtp://127.0.0.1:25 --data /srv/postvagt
                                                         # relay to the local Postfix
  POSTVAGT_LOG_LEVEL=debug postvagt serve                # more log lines (one JSON object each, stderr)
`;

/** how long SIGTERM waits for transactions in flight before closing connections with 421 */
const GRACE_MS = 30_000;

export const serve: Command = async (argv, io) => {
  let flags;
  try {
    flags = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        upstream: { type: 'string' },
        listen: { type: 'string' },
        http: { type: 'string' },
        data: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw flagError(err, 'serve');
  }
  if (flags.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const loaded = await loadConfig({
    file: flags.config,
    env: io.env,
    cwd: io.cwd,
    overrides: { listen: flags.listen, http: flags.http, data: flags.data, upstream: flags.upstream },
  });
  const logger = createLogger({ level: io.env.POSTVAGT_LOG_LEVEL ?? 'info', destination: io.stderr });
  logger.info({ event: 'config.loaded', file: loaded.file ?? '(built-in defaults)', mode: loaded.config.mode });
  const uninstallFatal = installFatalHandler(logger);
  const store = await openStore(loaded, {
    onMigrated: (m) => logger.info({ event: 'store.migrated', from: m.from, to: m.to, migrations: m.names }),
  });
  let gateway: Gateway | null = null;
  let web: { url: string; close(): Promise<void> } | null = null;
  let serving = false;
  let tracker: { stop(): void } | null = null;
  try {
    // SMTP AUTH for listeners with relay.auth: relay accounts from `postvagt user add NAME --smtp`
    gateway = await startGateway({ loaded, store, logger, authenticate: smtpAuthenticator(store, loaded.hmacKey) });
    const gw = gateway;
    const w = await startWeb({ loaded, store, logger, health: () => ({ serving, upstreamReachable: () => gw.upstreamReachable() }) }).catch(
      (err: unknown) => {
        throw listenError('The dashboard', loaded.config.web.listen, err, 'choose another with --http HOST:PORT or web.listen');
      },
    );
    web = w;
    // resend tracking off the SMTP hot path: a later passing mail resolves the stopped one as `resent`
    tracker = startResendTracker({
      store,
      onRun: (r) => r.resolved.forEach((id) => logger.info({ event: 'incident.update', incident: id, status: 'resolved', resolution: 'resent', by: 'resend tracking' })),
      onError: (err) => logger.error({ event: 'store.fail', where: 'resend tracking', err: err.message }),
    });
    serving = true;
    io.stdout.write(banner(loaded.config, io, gw, w.url));
    logger.info({ event: 'serve.start', listeners: gw.listeners, dashboard: w.url });
    await untilSignal();
    serving = false;
    io.stdout.write('postvagt: stopping — finishing mail in flight, new mail gets 421 (try again later)\n');
  } finally {
    serving = false;
    tracker?.stop();
    await gateway?.close({ graceMs: GRACE_MS });
    await web?.close();
    await store.close();
    uninstallFatal();
  }
  logger.info({ event: 'serve.stop' });
  return 0;
};

function untilSignal(): Promise<void> {
  return new Promise((done) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      done();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/** what the first mail with a CPR number in the subject gets, in the words of the try-it line */
const TRY_OUTCOME: Record<string, string> = {
  reject: 'refused with 550',
  quarantine: 'held in quarantine; the sender gets a notice',
  redact: 'delivered with the number masked; the sender gets a notice',
  tag: 'delivered with a tag header; the sender gets a notice',
  pass: 'delivered unchanged and recorded',
};

/** what a newcomer needs on one screen: where to send, where to look, a command to paste */
export function banner(config: Pick<Config, 'data_dir' | 'listeners' | 'policy'>, io: Pick<CliIO, 'cwd'>, gw: Gateway, dashboard: string): string {
  const rows: [string, string][] = gw.listeners.map((l) => [`SMTP (${l.name}):`, `${hostPort(l.host, l.port)}${directionOf(config, l.name)}`]);
  rows.push(['Dashboard:', dashboard], ['Data folder:', resolve(io.cwd, config.data_dir)]);
  if (gw.capture) rows.push(['Upstream:', 'the embedded capture mailbox (see "Delivered" in the dashboard)']);
  // labels padded to the longest, so a listener called "webform-intern" keeps the column straight
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  const lines = ['Postvagt is running.', '', ...rows.map(([k, v]) => `  ${k.padEnd(width)}${v}`)];
  // the try-it mails come from our own staff: they belong on an outbound listener
  const first = gw.listeners.find((l) => directionOf(config, l.name) !== ' (inbound)') ?? gw.listeners[0];
  if (first) {
    const server = hostPort(first.host, first.port);
    const dir = config.listeners.find((l) => l.name === first.name)?.direction ?? 'outbound';
    lines.push('', `Try it (the second mail has a CPR number in the subject: ${TRY_OUTCOME[config.policy[dir].action] ?? config.policy[dir].action}):`);
    lines.push(`  swaks --server ${server} --from sagsbehandler@kommune.example --to borger@example.org --header 'Subject: Referat'`);
    lines.push(`  swaks --server ${server} --from sagsbehandler@kommune.example --to borger@example.org --header 'Subject: Sag 010203-1234'`);
  }
  lines.push('', 'Stop with Ctrl-C.', '');
  return lines.join('\n');
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** " (inbound)" beside an inbound listener: mail from outside, handled by policy.inbound */
function directionOf(config: Pick<Config, 'listeners'>, name: string): string {
  return config.listeners.find((l) => l.name === name)?.direction === 'inbound' ? ' (inbound)' : '';
}
