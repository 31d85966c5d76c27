// One direct SMTP transaction from a command (digest --send, quarantine release) to a configured
// route. I/O: one connection to the upstream. TLS as the gateway's own upstream client: STARTTLS
// whenever offered, required with require_tls, certificates verified unless the route says not.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { UpstreamConfig } from '../config/schema.ts';
import { PvError } from '../errors.ts';

export type SentInfo = SMTPConnection.SentMessageInfo;

/** Sends `raw` with this envelope; nodemailer's errors (responseCode, command, code) pass through for the caller to word. */
export async function sendDirect(up: UpstreamConfig, envelope: { from: string; to: string[] }, raw: Buffer): Promise<SentInfo> {
  const url = new URL(up.url);
  const ca = await readCa(up.ca_file);
  const conn = new SMTPConnection({
    host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : 25,
    requireTLS: up.require_tls, opportunisticTLS: !up.require_tls, name: up.helo_name ?? hostname(),
    connectionTimeout: up.timeout_ms, greetingTimeout: up.timeout_ms, socketTimeout: up.timeout_ms,
    tls: { rejectUnauthorized: up.verify_certificates, ...(ca ? { ca } : {}) },
  });
  // one 'error' listener for the connection's whole life: an unlistened error event would crash the process
  let fail: (err: Error) => void = () => {};
  conn.on('error', (err: Error) => fail(err));
  try {
    await new Promise<void>((ok, no) => ((fail = no), conn.connect(() => ok())));
    // 8BITMIME when the mail has 8-bit octets (RFC 6152); SMTPUTF8 is added by nodemailer for UTF-8 addresses
    const env = { ...envelope, use8BitMime: raw.some((b) => b > 127) };
    return await new Promise<SentInfo>((ok, no) => {
      fail = no;
      conn.send(env, raw, (err, info) => (err ? no(err) : ok(info)));
    });
  } finally {
    fail = () => {};
    conn.quit();
  }
}

async function readCa(file: string | undefined): Promise<Buffer | undefined> {
  if (file === undefined) return undefined;
  try {
    return await readFile(file);
  } catch (err) {
    throw new PvError('PV_CONFIG_UNREADABLE', `upstream ca_file cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`, { file });
  }
}
