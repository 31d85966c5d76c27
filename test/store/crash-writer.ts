// Child process for the crash-safety test: opens the store, writes, then dies by SIGKILL without
// closing anything. argv: data dir. Prints "written" after the writes resolved.
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/store/open.ts';
import { decision, incident, H_KEY, Q_KEY } from './helpers.ts';

const dir = process.argv[2];
const c = await loadConfig({ env: { POSTVAGT_HMAC_KEY: H_KEY, POSTVAGT_QUARANTINE_KEY: Q_KEY }, cwd: dir });
const store = await openStore(c);
const t = '2026-11-29T10:00:00.000Z';
await store.recordDecision(decision('tx-crash-1', t));
await store.quarantine(
  incident('PV-20261129-CRASH1', t, { action: 'quarantine' }),
  decision('tx-crash-2', t, { action: 'quarantine', incidentId: 'PV-20261129-CRASH1' }),
  Buffer.alloc(400_000, 'q'),
);
process.stdout.write('written\n', () => process.kill(process.pid, 'SIGKILL'));
