// Environment (containers) and command-line overrides, applied to the raw YAML object before
// validation so overridden values are checked exactly like file values. Pure: env is passed in.
// Precedence: built-in defaults < file < POSTVAGT_* environment < command-line flags.
import { PvError } from '../errors.ts';

export interface Overrides {
  listen?: string;
  http?: string;
  data?: string;
  upstream?: string;
}

type Raw = Record<string, unknown>;
/** key path (dotted) → where the value came from, for error messages */
export type Origins = Map<string, string>;

/** The environment variables Postvagt reads (documented in README.md (section "Configuration")). */
export const ENV_VARS = [
  'POSTVAGT_CONFIG',
  'POSTVAGT_MODE',
  'POSTVAGT_DATA_DIR',
  'POSTVAGT_STORE',
  'POSTVAGT_LISTEN',
  'POSTVAGT_HTTP',
  'POSTVAGT_PUBLIC_URL',
  'POSTVAGT_UPSTREAM',
  'POSTVAGT_HMAC_KEY',
  'POSTVAGT_QUARANTINE_KEY',
  'POSTVAGT_QUARANTINE_KEY_PREVIOUS',
] as const;

export function applyOverrides(raw: Raw, env: NodeJS.ProcessEnv, flags: Overrides = {}): Origins {
  const origins: Origins = new Map();
  const set = (path: string, value: unknown, origin: string) => {
    setPath(raw, path, value);
    origins.set(path, origin);
  };
  if (env.POSTVAGT_MODE) set('mode', env.POSTVAGT_MODE, 'POSTVAGT_MODE');
  if (env.POSTVAGT_DATA_DIR) set('data_dir', env.POSTVAGT_DATA_DIR, 'POSTVAGT_DATA_DIR');
  if (env.POSTVAGT_STORE) set('store', parseStoreUrl(env.POSTVAGT_STORE), 'POSTVAGT_STORE');
  if (env.POSTVAGT_HTTP) set('web.listen', env.POSTVAGT_HTTP, 'POSTVAGT_HTTP');
  if (env.POSTVAGT_PUBLIC_URL) set('web.public_url', env.POSTVAGT_PUBLIC_URL, 'POSTVAGT_PUBLIC_URL');
  if (env.POSTVAGT_LISTEN) overrideListen(raw, env.POSTVAGT_LISTEN, 'POSTVAGT_LISTEN', origins);
  if (env.POSTVAGT_UPSTREAM) overrideUpstream(raw, env.POSTVAGT_UPSTREAM, 'POSTVAGT_UPSTREAM', origins);
  if (flags.data) set('data_dir', flags.data, '--data');
  if (flags.http) set('web.listen', flags.http, '--http');
  if (flags.listen) overrideListen(raw, flags.listen, '--listen', origins);
  if (flags.upstream) overrideUpstream(raw, flags.upstream, '--upstream', origins);
  return origins;
}

/** `sqlite:/var/lib/postvagt/db.sqlite`, `sqlite:` (default path) or `postgres://…` */
export function parseStoreUrl(value: string): Raw {
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    return path === '' ? { kind: 'sqlite' } : { kind: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//.test(value)) return { kind: 'postgres', url: value };
  throw new PvError('PV_CONFIG_INVALID', `POSTVAGT_STORE: expected sqlite:PATH or postgres://…, got '${value.slice(0, 40)}'`);
}

/** DESIGN: `--listen` sets the address of the (first) outbound listener, creating it if absent. */
function overrideListen(raw: Raw, listen: string, origin: string, origins: Origins): void {
  const listeners = Array.isArray(raw.listeners) ? (raw.listeners as Raw[]) : [];
  let i = listeners.findIndex((l) => l && typeof l === 'object' && l.direction === 'outbound');
  if (i < 0) {
    listeners.push({ name: 'outbound', direction: 'outbound', listen });
    i = listeners.length - 1;
  } else {
    listeners[i] = { ...listeners[i], listen };
  }
  raw.listeners = listeners;
  origins.set(`listeners.${i}.listen`, origin);
}

/** `--upstream` sets the route used by the first outbound listener (by default the route `default`). */
function overrideUpstream(raw: Raw, url: string, origin: string, origins: Origins): void {
  const listeners = Array.isArray(raw.listeners) ? (raw.listeners as Raw[]) : [];
  const outbound = listeners.find((l) => l && typeof l === 'object' && l.direction === 'outbound');
  const route = typeof outbound?.upstream === 'string' ? outbound.upstream : 'default';
  const upstreams = isObject(raw.upstreams) ? (raw.upstreams as Raw) : {};
  const existing = isObject(upstreams[route]) ? (upstreams[route] as Raw) : {};
  upstreams[route] = { ...existing, url };
  raw.upstreams = upstreams;
  origins.set(`upstreams.${route}.url`, origin);
}

function setPath(raw: Raw, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let cur = raw;
  for (const p of parts.slice(0, -1)) {
    if (!isObject(cur[p])) cur[p] = {};
    cur = cur[p] as Raw;
  }
  cur[parts[parts.length - 1]] = value;
}

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
