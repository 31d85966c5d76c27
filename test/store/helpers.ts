// Test helpers for the store: a LoadedConfig over a temp data dir, and sample records.
// I/O: creates temp directories. Sample data carries a raw CPR only where the test needs one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type LoadedConfig } from '../../src/config/load.ts';
import type { HeaderFinding } from '../../src/detect/types.ts';
import type { DecisionRecord, Incident } from '../../src/store/types.ts';

export const Q_KEY = '1f'.repeat(32);
export const H_KEY = '2e'.repeat(32);
/** a valid CPR number (date 25-12-84, century digit 1) used as the secret to search for */
export const RAW = '2512841237';

const made: string[] = [];
process.on('exit', () => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A temp directory removed when the test process exits. */
export function tempDir(prefix = 'pv-store-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

export async function tempConfig(extraEnv: Record<string, string> = {}): Promise<LoadedConfig> {
  const dir = tempDir();
  return loadConfig({ env: { POSTVAGT_HMAC_KEY: H_KEY, POSTVAGT_QUARANTINE_KEY: Q_KEY, ...extraEnv }, cwd: dir });
}

/** A detector finding as the gateway holds it in memory — including the raw digits. */
export function headerFinding(): HeaderFinding {
  return { header: 'Subject', fieldIndex: 3, start: 4, end: 15, digits: RAW, kind: 'cpr', mod11: false, masked: 'XXXXXX-XXXX', fingerprint: 'f'.repeat(64) };
}

export function decision(id: string, time: string, over: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    id, time, listener: 'outbound', direction: 'outbound', sender: 'sagsbehandler@kommune.dk', recipients: ['borger@example.dk'],
    action: 'pass', reply: '250 2.0.0 OK', findings: [], incidentId: null, size: 1234, subjectMasked: 'Mødeindkaldelse', ...over,
  };
}

export function incident(id: string, time: string, over: Partial<Incident> = {}): Incident {
  return {
    id, time, direction: 'outbound', listener: 'outbound', sender: 'sagsbehandler@kommune.dk', recipients: ['borger@example.dk'],
    subjectMasked: 'Sag XXXXXX-XXXX', findings: [headerFinding()], action: 'reject',
    reply: `550 5.7.1 Ikke afsendt: emnefeltet indeholder et CPR-nummer (XXXXXX-XXXX). Sag ${id}`,
    notice: 'none', classification: 'isolated', classificationReason: 'one sender, first hit', status: 'new', resolution: null, ...over,
  };
}
