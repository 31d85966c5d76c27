// Dashboard authentication: scrypt password hashes (node:crypto, RFC 7914), HTTP Basic
// (RFC 7617) and a signed session cookie. I/O: none (the store is passed in); scrypt runs on
// the libuv pool so logins never stall SMTP transactions on the event loop.
import { createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Store } from '../store/types.ts';

const N = 1 << 15;
const R = 8;
const P = 1;
const KEYLEN = 32;
/** 128·N·r bytes are needed; node's default maxmem (32 MiB) is exactly that, so allow headroom */
const MAXMEM = 64 * 1024 * 1024;
export const MIN_PASSWORD_LENGTH = 10;
export const SESSION_COOKIE = 'pv_session';
export const SESSION_SECONDS = 8 * 3600;

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  const opts: ScryptOptions = { N: n, r, p, maxmem: MAXMEM };
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFC'), salt, KEYLEN, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/** `scrypt$N$r$p$salt$hash` (base64): parameters travel with the hash so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  const expected = Buffer.from(parts[5], 'base64');
  const actual = await scrypt(password, Buffer.from(parts[4], 'base64'), n, r, p);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Checks name + password against the store's users; unknown users cost the same scrypt time. */
export class Authenticator {
  private readonly dummy = hashPassword(randomBytes(12).toString('hex'));
  /** recent successful Basic logins (API polling must not pay scrypt per request) */
  private readonly recent = new Map<string, number>();
  private readonly sessionKey: Buffer;

  constructor(
    private readonly store: Store,
    hmacKey: Buffer,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.sessionKey = createHmac('sha256', hmacKey).update('postvagt dashboard session v1').digest();
  }

  /** Dashboard users sign in to the dashboard only, SMTP accounts relay only (least privilege). */
  async check(name: string, password: string, kind: 'dashboard' | 'smtp' = 'dashboard'): Promise<boolean> {
    const cacheKey = createHmac('sha256', this.sessionKey).update(`${kind}\0${name}\0${password}`).digest('base64');
    const now = this.clock().getTime();
    if ((this.recent.get(cacheKey) ?? 0) > now) return true;
    const found = await this.store.getUser(name);
    const user = found && (found.kind ?? 'dashboard') === kind ? found : null;
    const ok = await verifyPassword(password, user?.passwordHash ?? (await this.dummy));
    if (ok && user) {
      if (this.recent.size > 100) this.recent.clear();
      this.recent.set(cacheKey, now + 300_000);
      return true;
    }
    return false;
  }

  /** RFC 7617 `Authorization: Basic base64(user:pass)` → user name when valid */
  async basic(header: string | undefined): Promise<string | null> {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
    if (!m) return null;
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) return null;
    const name = decoded.slice(0, colon);
    return (await this.check(name, decoded.slice(colon + 1))) ? name : null;
  }

  /** value for the session cookie: base64url(user).expiry.mac */
  issueSession(name: string): string {
    const exp = Math.floor(this.clock().getTime() / 1000) + SESSION_SECONDS;
    const body = `${Buffer.from(name, 'utf8').toString('base64url')}.${exp}`;
    return `${body}.${this.mac(body)}`;
  }

  session(value: string | undefined): string | null {
    const parts = (value ?? '').split('.');
    if (parts.length !== 3) return null;
    const body = `${parts[0]}.${parts[1]}`;
    const mac = Buffer.from(parts[2], 'base64url');
    const want = Buffer.from(this.mac(body), 'base64url');
    if (mac.length !== want.length || !timingSafeEqual(mac, want)) return null;
    if (Number(parts[1]) * 1000 < this.clock().getTime()) return null;
    return Buffer.from(parts[0], 'base64url').toString('utf8');
  }

  private mac(body: string): string {
    return createHmac('sha256', this.sessionKey).update(body).digest('base64url');
  }
}

/**
 * For the gateway's SMTP AUTH (listeners with `relay.auth: true`): accounts made with
 * `postvagt user add NAME --smtp`. Pass as `authenticate` to startGateway.
 */
export function smtpAuthenticator(store: Store, hmacKey: Buffer): (user: string, pass: string) => Promise<boolean> {
  const auth = new Authenticator(store, hmacKey);
  return (user, pass) => auth.check(user, pass, 'smtp');
}

/** Reads one cookie from a Cookie header (RFC 6265 §5.4), without a parser dependency. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
