// Shared by the digest CLI tests (named *.test.ts because test/cli/digest*.test.ts is the digest's
// test area; it holds no tests itself): in-process IO, a seeded real SQLite store, the raw-CPR check.
// I/O: temp folders, the SQLite file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/store/open.ts';
import type { Incident } from '../../src/store/types.ts';
import { decision, RAW } from '../store/helpers.ts';
import { fakeIO as cliIO } from '../support/cli-io.ts';

export const fakeIO = (cwd: string, env: NodeJS.ProcessEnv = {}) => cliIO({ cwd, env });

export function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pv-digest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** a real store in `dir` holding these incidents (each with its decision row, as the gateway writes them) */
export async function seed(dir: string, incidents: Incident[]): Promise<void> {
  const store = await openStore(await loadConfig({ env: {}, cwd: dir, overrides: { data: dir } }));
  try {
    for (const i of incidents) await store.recordIncident(i, decision(`tx-${i.id}`, i.time, { action: i.action, incidentId: i.id }));
  } finally {
    await store.close();
  }
}

/** the raw number in every form a leak could take */
export function assertNoRawCpr(text: string, where: string): void {
  for (const form of [RAW, '251284-1237', '251284 1237']) assert.ok(!text.includes(form), `${where} holds the raw CPR (${form.slice(0, 2)}…)`);
}

