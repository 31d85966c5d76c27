// Loads the one configuration: YAML file + POSTVAGT_* environment + command-line flags, validated
// against the closed schema, semantic checks, secrets; the result is deep-frozen.
// I/O: reads the config and key files; in development creates keys under data_dir/keys/.
import { access, constants, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { PvError, type ErrorCode } from '../errors.ts';
import { semanticProblems, type Problem } from './checks.ts';
import { applyOverrides, type Origins, type Overrides } from './overrides.ts';
import { configSchema, type Config } from './schema.ts';
import { knownKeys } from './schema-keys.ts';
import { loadPreviousKeys, loadSecret } from './secrets.ts';
import { closest, formatPath, lineOf, type KeyPath } from './yaml-lines.ts';

export interface LoadedConfig {
  config: Readonly<Config>;
  file: string | null;
  hmacKey: Buffer;
  quarantineKey: Buffer;
  /** earlier quarantine keys (key rotation): only for reading what they sealed */
  previousQuarantineKeys?: Buffer[];
}

export interface LoadParams {
  file?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: Overrides;
  /** relative paths (data_dir, store path, key files) resolve against this; default process.cwd() */
  cwd?: string;
}

/** Words an operator might try for "throw it away"; there is no such action by design (invariant 1). */
const DISCARD_WORDS = new Set(['discard', 'drop', 'delete', 'ignore', 'blackhole', 'deny-silently']);

export async function loadConfig(p: LoadParams): Promise<LoadedConfig> {
  const env = p.env ?? process.env;
  const cwd = p.cwd ?? process.cwd();
  const fileArg = p.file ?? (env.POSTVAGT_CONFIG || undefined);
  const file = fileArg === undefined ? null : resolve(cwd, fileArg);
  const source = file === null ? null : await readYaml(file);
  const raw = toObject(source?.doc.toJS() ?? {}, file);
  const origins = applyOverrides(raw, env, p.overrides);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw problemsError(withoutExplained(parsed.error.issues.map((i) => fromIssue(i, raw))), file, source, origins);
  const config = resolvePaths(parsed.data, cwd);
  const problems = [...semanticProblems(config), ...(await unreadableFiles(config))];
  if (problems.length > 0) throw problemsError(problems.map((x) => ({ ...x, message: `${formatPath(x.path)}: ${x.message}`, code: 'PV_CONFIG_INVALID' as const })), file, source, origins);
  const dataDir = config.data_dir;
  const hmacKey = loadSecret(
    { label: 'HMAC key', envName: 'POSTVAGT_HMAC_KEY', fileKey: 'secrets.hmac_key_file', file: config.secrets.hmac_key_file, devFile: 'hmac.key' },
    env, config.mode, dataDir,
  );
  const quarantineKey = loadSecret(
    { label: 'quarantine key', envName: 'POSTVAGT_QUARANTINE_KEY', fileKey: 'secrets.quarantine_key_file', file: config.secrets.quarantine_key_file, devFile: 'quarantine.key', exactLength: 32 },
    env, config.mode, dataDir,
  );
  const previousQuarantineKeys = loadPreviousKeys(config.secrets.previous_quarantine_key_files, env);
  if (hmacKey.equals(quarantineKey)) {
    // one key for two jobs: a leak of fingerprint material would also open the quarantine
    throw new PvError('PV_CONFIG_INVALID', 'the HMAC key and the quarantine key are the same; give each its own random key (openssl rand -hex 32)');
  }
  return deepFreeze({ config, file, hmacKey, quarantineKey, previousQuarantineKeys });
}

interface Source {
  doc: Document;
  counter: LineCounter;
}

async function readYaml(file: string): Promise<Source> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PvError('PV_CONFIG_UNREADABLE', `cannot read the configuration: ${(err as NodeJS.ErrnoException).code ?? err}`, { file, cause: err });
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const line = counter.linePos(first.pos[0]).line;
    throw new PvError('PV_CONFIG_SYNTAX', `not valid YAML: ${first.message.split('\n')[0]}`, { file, line });
  }
  return { doc, counter };
}

function toObject(v: unknown, file: string | null): Record<string, unknown> {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new PvError('PV_CONFIG_INVALID', 'the configuration must be a mapping of keys (e.g. "listeners:", "policy:")', { file: file ?? undefined, line: 1 });
  }
  return dropNulls(v) as Record<string, unknown>;
}

/** `policy:` with every line below it commented out is YAML null: treat it as "not given". */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, dropNulls(x)]));
}

interface Located extends Problem {
  code: ErrorCode;
  key?: string;
}

function fromIssue(issue: z.core.$ZodIssue, raw: unknown): Located {
  const path = issue.path as KeyPath;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const hint = closest(key, knownKeys(configSchema, path));
    const more = issue.keys.length > 1 ? ` (also: ${issue.keys.slice(1).join(', ')})` : '';
    const full = formatPath([...path, key]);
    return { path, key, code: 'PV_CONFIG_UNKNOWN_KEY', message: `${full}: unknown key${hint ? ` (did you mean '${hint}'?)` : ''}${more}` };
  }
  const value = valueAt(raw, path);
  if (path[path.length - 1] === 'action' && typeof value === 'string' && DISCARD_WORDS.has(value.toLowerCase())) {
    return { path, code: 'PV_CONFIG_INVALID', message: `${formatPath(path)}: '${value}' is not possible: Postvagt has no discard action by design — mail is never dropped silently. Use reject (the sender is told at once) or quarantine (held, sender notified)` };
  }
  const what = value === undefined ? 'required but missing'
    : issue.code === 'invalid_value' ? `expected one of ${issue.values.map(String).join(', ')} (got '${String(value)}')`
    : issue.code === 'invalid_type' ? `expected ${KINDS[issue.expected] ?? issue.expected}, got ${kindOf(value)}`
    : issue.message;
  return { path, code: 'PV_CONFIG_INVALID', message: `${formatPath(path)}: ${what}` };
}

/**
 * A misspelt key leaves its real key missing: "acton: reject" gave "unknown key (did you mean
 * 'action'?)" and then "action: required but missing". The first says it all; drop the second.
 */
function withoutExplained(problems: Located[]): Located[] {
  const suggested = new Set(problems.flatMap((p) => {
    const hint = p.code === 'PV_CONFIG_UNKNOWN_KEY' ? /\(did you mean '([^']+)'\?\)/.exec(p.message) : null;
    return hint ? [formatPath([...p.path, hint[1]])] : [];
  }));
  return problems.filter((p) => !(p.message.endsWith(': required but missing') && suggested.has(formatPath(p.path))));
}

/** YAML words for zod's type names, for people who write the file rather than read TypeScript */
const KINDS: Record<string, string> = { string: 'text', number: 'a number', boolean: 'true or false', array: 'a list', object: 'a section (key: value lines)' };

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object' && v !== null) return 'a section';
  return typeof v === 'string' ? `the text '${v.slice(0, 40)}'` : `${String(v)}`;
}

function valueAt(raw: unknown, path: KeyPath): unknown {
  let cur = raw;
  for (const seg of path) cur = cur && typeof cur === 'object' ? (cur as Record<PropertyKey, unknown>)[seg as PropertyKey] : undefined;
  return cur;
}

/** One PvError for all problems: the first gives code and line, the rest follow on their own lines. */
function problemsError(problems: (Problem & { code?: ErrorCode; key?: string })[], file: string | null, src: Source | null, origins: Origins): PvError {
  const located = problems.map((pr) => {
    const origin = originOf(pr.path, pr.key, origins);
    const line = origin || !src ? undefined : lineOf(src.doc, src.counter, pr.path, pr.key);
    const message = origin ? `${pr.message} (set by ${origin})` : pr.message;
    return { ...pr, line, message };
  });
  // An unknown key usually explains the rest (a misspelt key leaves its real one missing): first.
  const rank = (x: { code?: ErrorCode }) => (x.code === 'PV_CONFIG_UNKNOWN_KEY' ? 0 : 1);
  located.sort((a, b) => rank(a) - rank(b) || (a.line ?? Infinity) - (b.line ?? Infinity));
  const [first, ...rest] = located;
  const name = file ?? 'configuration';
  const tail = rest.map((r) => `\n  ${name}${r.line ? `:${r.line}` : ''}: ${r.message}`).join('');
  return new PvError(first.code ?? 'PV_CONFIG_INVALID', first.message + tail, { file: file ?? undefined, line: first.line });
}

function originOf(path: KeyPath, key: string | undefined, origins: Origins): string | undefined {
  const full = [...path, ...(key ? [key] : [])].map(String);
  for (let n = full.length; n > 0; n--) {
    const hit = origins.get(full.slice(0, n).join('.'));
    if (hit) return hit;
  }
  return undefined;
}

/** Certificate and CA files are read later by the gateway; check now so the error has a line. */
async function unreadableFiles(c: Config): Promise<Problem[]> {
  const refs: { path: (string | number)[]; file: string | undefined }[] = [
    ...c.listeners.flatMap((l, i) => [
      { path: ['listeners', i, 'tls', 'cert_file'], file: l.tls.cert_file },
      { path: ['listeners', i, 'tls', 'key_file'], file: l.tls.key_file },
    ]),
    ...Object.entries(c.upstreams).map(([name, u]) => ({ path: ['upstreams', name, 'ca_file'], file: u.ca_file })),
  ];
  const problems: Problem[] = [];
  for (const r of refs) {
    if (r.file === undefined) continue;
    try {
      await access(r.file, constants.R_OK);
    } catch (err) {
      problems.push({ path: r.path, message: `cannot read ${r.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
    }
  }
  return problems;
}

function resolvePaths(c: Config, cwd: string): Config {
  const abs = (f: string | undefined) => (f === undefined ? undefined : resolve(cwd, f));
  return {
    ...c,
    data_dir: resolve(cwd, c.data_dir),
    store: c.store.kind === 'sqlite' ? { ...c.store, path: abs(c.store.path) } : c.store,
    secrets: {
      hmac_key_file: abs(c.secrets.hmac_key_file),
      quarantine_key_file: abs(c.secrets.quarantine_key_file),
      previous_quarantine_key_files: c.secrets.previous_quarantine_key_files.map((f) => resolve(cwd, f)),
    },
    listeners: c.listeners.map((l) => ({ ...l, tls: { ...l.tls, cert_file: abs(l.tls.cert_file), key_file: abs(l.tls.key_file) } })),
    upstreams: Object.fromEntries(Object.entries(c.upstreams).map(([k, u]) => [k, { ...u, ca_file: abs(u.ca_file) }])),
  };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Buffer.isBuffer(o) && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** The configuration as an operator may print it: secrets and passwords in URLs redacted. */
export function redactedConfig(c: LoadedConfig): unknown {
  const config = structuredClone(c.config) as Config;
  if (config.store.kind === 'postgres') config.store.url = config.store.url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  return {
    file: c.file,
    config,
    secrets: {
      hmac_key: `<redacted, ${c.hmacKey.length} bytes>`,
      quarantine_key: `<redacted, ${c.quarantineKey.length} bytes>`,
      previous_quarantine_keys: `<${c.previousQuarantineKeys?.length ?? 0} redacted>`,
    },
  };
}
