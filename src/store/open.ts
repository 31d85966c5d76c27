// Opens the configured Store. I/O: creates data_dir (mode 0700) and the SQLite file.
// The PostgreSQL store is a later issue; asking for it is a clear configuration error, not a
// silent fallback to SQLite (which would split one deployment's records over two places).
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LoadedConfig } from '../config/load.ts';
import { PvError } from '../errors.ts';
import { SqliteStore, storeError } from './sqlite.ts';
import type { Store } from './types.ts';
import type { Migrated } from './migrations.ts';

export const DEFAULT_SQLITE_FILE = 'postvagt.sqlite';

export async function openStore(c: LoadedConfig, opts: { clock?: () => Date; busyTimeoutMs?: number; onMigrated?: (m: Migrated) => void } = {}): Promise<Store> {
  const { config } = c;
  if (config.store.kind === 'postgres') {
    throw new PvError('PV_CONFIG_INVALID', 'store.kind: postgres is not available yet; use sqlite (the default) for now');
  }
  const file = config.store.path ?? join(config.data_dir, DEFAULT_SQLITE_FILE);
  try {
    mkdirSync(config.data_dir, { recursive: true, mode: 0o700 });
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw storeError(`create ${dirname(file)}`, err);
  }
  return SqliteStore.open({
    file,
    quarantineDir: join(config.data_dir, 'quarantine'),
    quarantineKey: c.quarantineKey,
    previousQuarantineKeys: c.previousQuarantineKeys,
    clock: opts.clock,
    busyTimeoutMs: opts.busyTimeoutMs,
    onMigrated: opts.onMigrated,
  });
}
