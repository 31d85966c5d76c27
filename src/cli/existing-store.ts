// Opens the configuration and an EXISTING store for the commands that read it (digest, quarantine).
// I/O: reads the config, opens the database. A missing data folder or database is an error naming
// the path — never silently created, which would report "0 incidents" from an empty new store.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliIO } from './io.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { Store } from '../store/types.ts';
import type { Migrated } from '../store/migrations.ts';
import { PvError } from '../errors.ts';

export async function openExistingStore(f: { data?: string; config?: string }, io: CliIO): Promise<{ loaded: LoadedConfig; store: Store }> {
  const givenDir = resolve(io.cwd, f.data ?? io.env.POSTVAGT_DATA_DIR ?? 'var');
  if (f.config === undefined && !io.env.POSTVAGT_CONFIG && !existsSync(givenDir)) {
    throw new PvError('PV_INPUT_UNREADABLE', `no Postvagt data folder at ${givenDir}; give --data DIR or --config FILE`);
  }
  const { loadConfig } = await import('../config/load.ts');
  const { openStore, DEFAULT_SQLITE_FILE } = await import('../store/open.ts');
  const loaded = await loadConfig({ file: f.config, env: io.env, cwd: io.cwd, overrides: f.data ? { data: f.data } : undefined });
  const { config } = loaded;
  // the database file, not the folder: loading the config may already have made data_dir/keys
  const db = config.store.kind === 'sqlite' ? (config.store.path ?? join(config.data_dir, DEFAULT_SQLITE_FILE)) : null;
  if (db !== null && !existsSync(db)) {
    throw new PvError('PV_INPUT_UNREADABLE', `no Postvagt database at ${db} (is data_dir in ${loaded.file ?? 'the configuration'} right? has 'postvagt serve' run there?)`);
  }
  return { loaded, store: await openStore(loaded, { onMigrated: migratedNotice(io) }) };
}

/** an upgrade by a CLI command is said on stderr (serve logs it as store.migrated) */
export function migratedNotice(io: Pick<CliIO, 'stderr'>): (m: Migrated) => void {
  return (m) => {
    if (m.from > 0) io.stderr.write(`postvagt: upgraded the database from schema version ${m.from} to ${m.to} (${m.names.join('; ')})\n`);
  };
}
