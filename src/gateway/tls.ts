// Certificates for STARTTLS on the listeners (RFC 3207): configured PEM files, or in development a
// self-signed certificate generated once and kept under data_dir/tls/. I/O: reads/writes PEM files.
// Protects: production never runs on a generated certificate (a config error instead, STYLE 10).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PvError } from '../errors.ts';
import type { ListenerConfig } from '../config/schema.ts';

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
  generated: boolean;
}

export async function listenerTls(l: ListenerConfig, mode: 'development' | 'production', dataDir: string): Promise<TlsMaterial | null> {
  if (!l.tls.starttls) return null;
  if (l.tls.cert_file || l.tls.key_file) {
    if (!l.tls.cert_file || !l.tls.key_file) {
      throw new PvError('PV_CONFIG_INVALID', `listeners[${l.name}].tls: cert_file and key_file go together`);
    }
    const [cert, key] = await Promise.all([readPem(l.tls.cert_file), readPem(l.tls.key_file)]);
    return { cert, key, generated: false };
  }
  if (mode === 'production') {
    throw new PvError(
      'PV_CONFIG_INVALID',
      `listeners[${l.name}].tls: production mode needs cert_file and key_file (or starttls: false)`,
    );
  }
  return developmentCertificate(dataDir);
}

async function readPem(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new PvError('PV_CONFIG_UNREADABLE', `cannot read ${file}: ${(err as Error).message}`, { file });
  }
}

/** one generated certificate per data folder, reused across restarts so clients can pin it */
export async function developmentCertificate(dataDir: string): Promise<TlsMaterial> {
  const dir = join(dataDir, 'tls');
  const certFile = join(dir, 'dev-cert.pem');
  const keyFile = join(dir, 'dev-key.pem');
  try {
    return { cert: await readFile(certFile), key: await readFile(keyFile), generated: true };
  } catch {
    // not there yet: generate below
  }
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'postvagt.localhost' }], {
    // EC P-256: generated in milliseconds, where a 2048-bit RSA key takes seconds of CPU
    keyType: 'ec',
    notAfterDate: new Date(Date.now() + 825 * 86_400_000),
    algorithm: 'sha256',
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // write-then-rename: a second process starting at the same moment never reads half a file
  const tmp = `.${process.pid}.${Date.now()}`;
  await writeFile(keyFile + tmp, pems.private, { mode: 0o600 });
  await writeFile(certFile + tmp, pems.cert, { mode: 0o644 });
  await rename(keyFile + tmp, keyFile);
  await rename(certFile + tmp, certFile);
  return { cert: Buffer.from(pems.cert), key: Buffer.from(pems.private), generated: true };
}
