// The two keys: HMAC for CPR fingerprints, AES-256 for quarantine at rest. I/O: reads key files,
// and in development creates missing keys once under data_dir/keys/ (mode 0600).
// Production mode never invents a key (DESIGN "Configuration": no default secrets in production).
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PvError } from '../errors.ts';

export interface SecretSpec {
  /** human name, e.g. 'HMAC key' */
  label: string;
  envName: string;
  fileKey: string; // config key path of the *_file setting, for messages
  file: string | undefined;
  /** name of the generated file under data_dir/keys in development */
  devFile: string;
  /** exact length needed (AES-256: 32); HMAC keys may be longer */
  exactLength?: number;
}

export function loadSecret(spec: SecretSpec, env: NodeJS.ProcessEnv, mode: string, dataDir: string): Buffer {
  const fromEnv = env[spec.envName];
  if (fromEnv !== undefined && fromEnv !== '') return decodeKey(fromEnv, spec, spec.envName);
  if (spec.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(spec.file, 'utf8');
    } catch (err) {
      throw new PvError('PV_CONFIG_UNREADABLE', `${spec.fileKey}: cannot read ${spec.label} file: ${(err as NodeJS.ErrnoException).code ?? err}`, { file: spec.file, cause: err });
    }
    return decodeKey(text.trim(), spec, spec.file);
  }
  if (mode === 'production') {
    throw new PvError('PV_CONFIG_SECRET_MISSING', `production mode needs the ${spec.label}: set ${spec.envName} or ${spec.fileKey}`);
  }
  return devKey(spec, dataDir);
}

/** Development: create once, so two starting processes cannot end up with different keys. */
function devKey(spec: SecretSpec, dataDir: string): Buffer {
  const dir = join(dataDir, 'keys');
  const file = join(dir, spec.devFile);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // write a private temp file, then link() it into place: atomic and refuses to overwrite, so a
    // second process never sees a half-written key and never replaces the first one's
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    try {
      linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(tmp);
    }
    return decodeKey(readFileSync(file, 'utf8').trim(), spec, file);
  } catch (err) {
    if (err instanceof PvError) throw err;
    throw new PvError('PV_CONFIG_UNREADABLE', `cannot create or read the development ${spec.label} ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, { file, cause: err });
  }
}

/** 64 hex digits, or base64; an HMAC key may also be a long passphrase. Never echo the value. */
export function decodeKey(text: string, spec: Pick<SecretSpec, 'label' | 'exactLength'>, source: string): Buffer {
  let key: Buffer;
  if (/^[0-9a-fA-F]+$/.test(text) && text.length % 2 === 0) key = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0) key = Buffer.from(text, 'base64');
  else key = Buffer.from(text, 'utf8');
  if (spec.exactLength !== undefined && key.length !== spec.exactLength) {
    throw new PvError('PV_CONFIG_INVALID', `${source}: the ${spec.label} must be ${spec.exactLength} bytes (64 hex digits or base64), got ${key.length} bytes`);
  }
  if (key.length < 32) {
    throw new PvError('PV_CONFIG_INVALID', `${source}: the ${spec.label} is too short (${key.length} bytes; at least 32, e.g. 'openssl rand -hex 32')`);
  }
  return key;
}

/** Earlier quarantine keys: POSTVAGT_QUARANTINE_KEY_PREVIOUS (comma-separated) and/or key files. */
export function loadPreviousKeys(files: readonly string[], env: NodeJS.ProcessEnv): Buffer[] {
  const spec = { label: 'previous quarantine key', exactLength: 32 };
  const fromEnv = (env.POSTVAGT_QUARANTINE_KEY_PREVIOUS ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
  const keys = fromEnv.map((k, i) => decodeKey(k, spec, `POSTVAGT_QUARANTINE_KEY_PREVIOUS[${i}]`));
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new PvError('PV_CONFIG_UNREADABLE', `secrets.previous_quarantine_key_files: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, { file, cause: err });
    }
    keys.push(decodeKey(text.trim(), spec, file));
  }
  return keys;
}
