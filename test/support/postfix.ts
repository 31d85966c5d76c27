// Test harness: a REAL private Postfix instance (Debian postfix 3.7) in a temp dir, loopback only,
// plus smtp-sink peers. I/O: spawns postfix/postsuper/postqueue/smtp-sink, writes a temp dir, TCP on 127.0.0.1.
// Protects: tests never touch the system Postfix (port 25, /etc/postfix queue) and never leave processes behind.
//
// API (used by the audit e2e tests and the gateway e2e tests):
//   const pf = await startPostfix({
//     relayhost: '[127.0.0.1]:2525',          // next hop for all mail (default: none → direct, which fails: no DNS)
//     transport: { 'reject.example': 'smtp:[127.0.0.1]:4001', 'x.example': 'discard:why' },  // transport_maps
//     headerChecks: '/^Subject:.*HOLDME/ HOLD review\n', bodyChecks: '…',  // regexp tables
//     recipientRestrictions: 'permit_mynetworks, reject',                  // smtpd_recipient_restrictions
//     queueLifetime: '20s',                   // maximal_queue_lifetime = bounce_queue_lifetime (expiry tests)
//     mainCf: { notify_classes: 'bounce,resource,software' },               // any other main.cf parameter
//   });
//   pf.smtpPort / pf.host          → where to send (swaks -s 127.0.0.1:PORT, nodemailer, …)
//   pf.logFile, pf.readLog()       → the log Postfix itself wrote (maillog_file, written by postlogd)
//   await pf.waitForLog(/status=sent/, 15000)   → first match after polling the log (rejects on timeout, with the log tail)
//   await pf.postsuper(['-d', qid])            → runs postsuper -c DIR …, returns stdout+stderr
//   await pf.postqueue(['-f'])  /  pf.flush()  → postqueue -c DIR …
//   await pf.queue()                           → [{ queue_id, queue_name, sender, recipients }] from `postqueue -j`
//   await pf.postconf({ key: 'value' })        → set main.cf parameters and reload
//   await pf.stop()                            → postfix stop, wait for master to exit, remove the temp dir
//   const sink = await startSmtpSink({ hardReject: ['rcpt'], capture: true })  // smtp-sink peer on an ephemeral port
//   sink.port; sink.messages() → captured transactions (with X-Mail-Args/X-Rcpt-Args lines); await sink.stop()
//   const port = await freePort()   → a port nothing listens on ("down" next hop)
// Bounces: Postfix sends the sender's notice (DSN) to the sender's domain via relayhost/transport;
// route the sender domain to a capturing sink (transport: { 'sender.example': `smtp:[127.0.0.1]:${sink.port}` }).
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, mkdir, writeFile, readFile, rm, chmod, chown, readdir, appendFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PostfixOptions {
  relayhost?: string;
  transport?: Record<string, string>;
  headerChecks?: string;
  bodyChecks?: string;
  recipientRestrictions?: string;
  queueLifetime?: string;
  mainCf?: Record<string, string>;
}

export interface QueueEntry { queue_id: string; queue_name: string; sender: string; recipients: { address: string }[] }

export interface PostfixInstance {
  host: '127.0.0.1';
  smtpPort: number;
  dir: string;
  configDir: string;
  logFile: string;
  readLog(): string;
  waitForLog(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  postsuper(args: string[]): Promise<string>;
  postqueue(args: string[]): Promise<string>;
  queue(): Promise<QueueEntry[]>;
  flush(): Promise<void>;
  postconf(settings: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitListening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Only the services a loopback relay needs; chroot off ("n") so no /etc copies are needed.
function masterCf(port: number): string {
  const svc = (name: string, type: string, priv: string, wakeup: string, limit: string, cmd: string) =>
    `${name} ${type} ${priv} - n ${wakeup} ${limit} ${cmd}`;
  return [
    `127.0.0.1:${port} inet n - n - - smtpd`,
    svc('pickup', 'unix', 'n', '60', '1', 'pickup'), svc('cleanup', 'unix', 'n', '-', '0', 'cleanup'),
    svc('qmgr', 'unix', 'n', '300', '1', 'qmgr'), svc('rewrite', 'unix', '-', '-', '-', 'trivial-rewrite'),
    svc('bounce', 'unix', '-', '-', '0', 'bounce'), svc('defer', 'unix', '-', '-', '0', 'bounce'),
    svc('trace', 'unix', '-', '-', '0', 'bounce'), svc('verify', 'unix', '-', '-', '1', 'verify'),
    svc('flush', 'unix', 'n', '1000?', '0', 'flush'), svc('proxymap', 'unix', '-', '-', '-', 'proxymap'),
    svc('smtp', 'unix', '-', '-', '-', 'smtp'), svc('relay', 'unix', '-', '-', '-', 'smtp'),
    svc('showq', 'unix', 'n', '-', '-', 'showq'), svc('error', 'unix', '-', '-', '-', 'error'),
    svc('retry', 'unix', '-', '-', '-', 'error'), svc('discard', 'unix', '-', '-', '-', 'discard'),
    svc('local', 'unix', '-', '-', '-', 'local'), svc('anvil', 'unix', '-', '-', '1', 'anvil'),
    svc('scache', 'unix', '-', '-', '1', 'scache'), 'postlog unix-dgram n - n - 1 postlogd', '',
  ].join('\n');
}

function mainCf(dir: string, opts: PostfixOptions): Record<string, string> {
  const etc = join(dir, 'etc');
  const lifetime = opts.queueLifetime;
  return {
    compatibility_level: '3.6',
    queue_directory: join(dir, 'spool'),
    data_directory: join(dir, 'data'),
    mail_owner: 'postfix',
    setgid_group: 'postdrop',
    myhostname: 'pv-test.invalid',
    mydomain: 'pv-test.invalid',
    myorigin: '$myhostname',
    mydestination: '',
    inet_interfaces: '127.0.0.1',
    inet_protocols: 'ipv4',
    mynetworks: '127.0.0.0/8',
    maillog_file: join(dir, 'maillog'),
    maillog_file_prefixes: dir,
    relayhost: opts.relayhost ?? '',
    transport_maps: `texthash:${join(etc, 'transport')}`,
    header_checks: `regexp:${join(etc, 'header_checks')}`,
    body_checks: `regexp:${join(etc, 'body_checks')}`,
    smtpd_recipient_restrictions: opts.recipientRestrictions ?? 'permit_mynetworks, reject',
    // loopback tests: no DNS, quick retries
    smtp_host_lookup: 'native',
    disable_dns_lookups: 'yes',
    minimal_backoff_time: '2s',
    maximal_backoff_time: '4s',
    queue_run_delay: '2s',
    alias_maps: '',
    alias_database: '',
    local_recipient_maps: '',
    smtpd_banner: '$myhostname ESMTP',
    ...(lifetime ? { maximal_queue_lifetime: lifetime, bounce_queue_lifetime: lifetime } : {}),
    ...opts.mainCf,
  };
}

const cfText = (kv: Record<string, string>) => Object.entries(kv).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n';

async function writeConfig(dir: string, port: number, opts: PostfixOptions): Promise<Record<string, string>> {
  const etc = join(dir, 'etc');
  const main = mainCf(dir, opts);
  await writeFile(join(etc, 'main.cf'), cfText(main));
  await writeFile(join(etc, 'master.cf'), masterCf(port));
  await writeFile(join(etc, 'header_checks'), opts.headerChecks ?? '');
  await writeFile(join(etc, 'body_checks'), opts.bodyChecks ?? '');
  const transport = Object.entries(opts.transport ?? {}).map(([d, t]) => `${d} ${t}`).join('\n');
  await writeFile(join(etc, 'transport'), transport + '\n');
  return main;
}

/** Start a private Postfix; retries once with a new port if the chosen one was taken meanwhile. */
export async function startPostfix(opts: PostfixOptions = {}): Promise<PostfixInstance> {
  if (userInfo().uid !== 0) throw new Error('startPostfix needs root (postfix start, postsuper)');
  const dir = await mkdtemp(join(tmpdir(), 'pv-postfix-'));
  await chmod(dir, 0o755); // daemons run as user postfix and must reach their files
  for (const d of ['etc', 'spool', 'data']) await mkdir(join(dir, d));
  const { uid, gid } = await postfixIds();
  await chown(join(dir, 'data'), uid, gid);
  let lastErr: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    let main = await writeConfig(dir, port, opts);
    try {
      await run('postfix', ['-c', join(dir, 'etc'), 'start']);
      await waitListening(port, 10_000);
      return instance(dir, port, () => main, (m) => { main = m; });
    } catch (err) {
      lastErr = err;
      await run('postfix', ['-c', join(dir, 'etc'), 'abort']).catch(() => undefined);
      await waitMasterGone(dir, 5000);
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`could not start Postfix: ${String(lastErr)}`);
}

async function postfixIds(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['postfix']);
  const m = /uid=(\d+).*gid=(\d+)/.exec(stdout);
  if (!m) throw new Error('no postfix user');
  return { uid: Number(m[1]), gid: Number(m[2]) };
}

function masterPid(dir: string): number | undefined {
  const f = join(dir, 'spool', 'pid', 'master.pid');
  if (!existsSync(f)) return undefined;
  const pid = Number(readFileSync(f, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function waitMasterGone(dir: string, timeoutMs: number): Promise<void> {
  const pid = masterPid(dir);
  const deadline = Date.now() + timeoutMs;
  while (pid !== undefined && alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

function instance(dir: string, port: number, getMain: () => Record<string, string>,
  setMain: (m: Record<string, string>) => void): PostfixInstance {
  const configDir = join(dir, 'etc');
  const logFile = join(dir, 'maillog');
  const readLog = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const tool = async (cmd: string, args: string[]) => {
    const r = await run(cmd, ['-c', configDir, ...args]).catch((e: { stdout?: string; stderr?: string }) => e);
    return `${r.stdout ?? ''}${r.stderr ?? ''}`;
  };
  let stopped = false;
  return {
    host: '127.0.0.1', smtpPort: port, dir, configDir, logFile, readLog,
    async waitForLog(re, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = readLog().match(re);
        if (m) return m;
        if (Date.now() > deadline) {
          throw new Error(`no log line matching ${re} within ${timeoutMs} ms; log tail:\n${readLog().split('\n').slice(-15).join('\n')}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    postsuper: (args) => tool('postsuper', args),
    postqueue: (args) => tool('postqueue', args),
    async queue() {
      const out = await tool('postqueue', ['-j']);
      return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as QueueEntry);
    },
    async flush() { await tool('postqueue', ['-f']); },
    async postconf(settings) {
      const main = { ...getMain(), ...settings };
      setMain(main);
      await writeFile(join(configDir, 'main.cf'), cfText(main));
      await run('postfix', ['-c', configDir, 'reload']);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await run('postfix', ['-c', configDir, 'stop']).catch(() => undefined);
      await waitMasterGone(dir, 10_000);
      const pid = masterPid(dir);
      if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface SinkOptions {
  /** SMTP commands answered with 5xx (smtp-sink -f), e.g. ['rcpt'] */
  hardReject?: string[];
  /** SMTP commands answered with 4xx (smtp-sink -r) */
  softReject?: string[];
  /** keep each transaction in a file (smtp-sink -d) for messages() */
  capture?: boolean;
}

export interface SmtpSink { port: number; messages(): Promise<string[]>; stop(): Promise<void> }

/** Start Postfix's smtp-sink on an ephemeral loopback port (as user postfix, as it requires when root). */
export async function startSmtpSink(opts: SinkOptions = {}): Promise<SmtpSink> {
  const dir = await mkdtemp(join(tmpdir(), 'pv-sink-'));
  await chmod(dir, 0o777);
  const port = await freePort();
  const args = ['-u', 'postfix'];
  if (opts.hardReject?.length) args.push('-f', opts.hardReject.join(','));
  if (opts.softReject?.length) args.push('-r', opts.softReject.join(','));
  if (opts.capture) args.push('-d', join(dir, 'm.'));
  args.push(`127.0.0.1:${port}`, '10');
  const child = spawn('smtp-sink', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  try {
    await waitListening(port, 5000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`smtp-sink did not start: ${stderr || String(err)}`);
  }
  return {
    port,
    async messages() {
      const names = (await readdir(dir)).sort();
      return Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')));
    },
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Append a line to a Postfix table file (e.g. header_checks) of a running instance; call postconf/reload after. */
export async function appendTable(pf: PostfixInstance, table: 'header_checks' | 'body_checks' | 'transport', line: string): Promise<void> {
  await appendFile(join(pf.configDir, table), line.endsWith('\n') ? line : `${line}\n`);
}
