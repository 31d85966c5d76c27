// An in-memory Store for gateway tests: every method records its call (STYLE 11), and any method can
// be made to fail with PV_STORE_UNAVAILABLE to test fail-closed paths. I/O: none.
// Protects the tests' honesty: assertions read what the gateway actually asked the store to do.
import type { Readable } from 'node:stream';
import { PvError } from '../../src/errors.ts';
import type {
  CapturedMessage,
  DashboardUser,
  DecisionRecord,
  Incident,
  IncidentFilter,
  NoticeDraft,
  NoticeOutcome,
  QueuedNotice,
  Store,
} from '../../src/store/types.ts';

export interface Call {
  method: string;
  args: unknown[];
}

export class FakeStore implements Store {
  calls: Call[] = [];
  decisions: DecisionRecord[] = [];
  incidents = new Map<string, Incident>();
  quarantined = new Map<string, Buffer>();
  notices: QueuedNotice[] = [];
  captured: { id: number; sender: string; recipients: string[]; raw: Buffer; time: string }[] = [];
  /** method names that throw PV_STORE_UNAVAILABLE */
  failing = new Set<string>();

  private check(method: string, args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.failing.has(method) || this.failing.has('*')) {
      throw new PvError('PV_STORE_UNAVAILABLE', `fake store: ${method} is failing`);
    }
  }

  async ping(): Promise<void> {
    this.check('ping', []);
  }
  async recordDecision(d: DecisionRecord): Promise<void> {
    this.check('recordDecision', [d]);
    this.decisions.push(d);
  }
  async recordIncident(i: Incident, d: DecisionRecord, n?: NoticeDraft): Promise<void> {
    this.check('recordIncident', [i, d, n]);
    this.incidents.set(i.id, { ...i });
    this.decisions.push(d);
    if (n) this.queue(n);
  }
  async quarantine(i: Incident, d: DecisionRecord, message: Buffer | Readable, n?: NoticeDraft): Promise<void> {
    this.check('quarantine', [i, d, n]);
    let raw: Buffer;
    if (Buffer.isBuffer(message)) raw = message;
    else {
      const parts: Buffer[] = [];
      for await (const c of message) parts.push(c as Buffer);
      raw = Buffer.concat(parts);
    }
    this.quarantined.set(i.id, raw);
    this.incidents.set(i.id, { ...i });
    this.decisions.push(d);
    if (n) this.queue(n);
  }
  private queue(n: NoticeDraft): void {
    this.notices.push({ ...n, id: this.notices.length + 1, attempts: 0, status: 'queued', lastError: null });
  }
  async readQuarantined(id: string): Promise<Buffer | null> {
    this.check('readQuarantined', [id]);
    return this.quarantined.get(id) ?? null;
  }
  async deleteQuarantined(id: string): Promise<boolean> {
    this.check('deleteQuarantined', [id]);
    return this.quarantined.delete(id);
  }
  async dueNotices(limit: number): Promise<QueuedNotice[]> {
    this.check('dueNotices', [limit]);
    return this.notices.filter((n) => n.status === 'queued').slice(0, limit);
  }
  async markNotice(id: number, outcome: NoticeOutcome): Promise<void> {
    this.check('markNotice', [id, outcome]);
    const n = this.notices.find((x) => x.id === id);
    if (!n) return;
    n.attempts++;
    const inc = this.incidents.get(n.incidentId);
    if (outcome.ok) {
      n.status = 'sent';
      // as the SQLite store: an escalation that went out leaves the incident 'escalated'
      if (inc && inc.notice !== 'escalated') inc.notice = 'sent';
    } else {
      n.lastError = outcome.error;
      if (outcome.final) {
        n.status = 'failed';
        if (outcome.escalation) this.queue(outcome.escalation);
        if (inc) inc.notice = outcome.escalation ? 'escalated' : 'failed';
      }
    }
  }
  async capture(m: { sender: string; recipients: string[]; raw: Buffer }): Promise<number> {
    this.check('capture', [m]);
    const id = this.captured.length + 1;
    this.captured.push({ id, ...m, time: new Date().toISOString() });
    return id;
  }
  async listCaptured(limit: number): Promise<CapturedMessage[]> {
    this.check('listCaptured', [limit]);
    return this.captured.slice(-limit).map((c) => ({ id: c.id, time: c.time, sender: c.sender, recipients: c.recipients, size: c.raw.length }));
  }
  async readCaptured(id: number): Promise<Buffer | null> {
    this.check('readCaptured', [id]);
    return this.captured.find((c) => c.id === id)?.raw ?? null;
  }
  async listIncidents(f: IncidentFilter): Promise<Incident[]> {
    this.check('listIncidents', [f]);
    return [...this.incidents.values()].filter((i) => !f.since || i.time >= f.since).reverse();
  }
  async getIncident(id: string): Promise<Incident | null> {
    this.check('getIncident', [id]);
    return this.incidents.get(id) ?? null;
  }
  async updateIncident(id: string, patch: Partial<Incident>): Promise<void> {
    this.check('updateIncident', [id, patch]);
    const i = this.incidents.get(id);
    if (i) Object.assign(i, patch);
  }
  async listDecisions(): Promise<DecisionRecord[]> {
    this.check('listDecisions', []);
    return [...this.decisions];
  }
  async addUser(_u: DashboardUser): Promise<'created' | 'replaced'> {
    this.check('addUser', []);
    return 'created';
  }
  async getUser(): Promise<DashboardUser | null> {
    this.check('getUser', []);
    return null;
  }
  async close(): Promise<void> {
    this.check('close', []);
  }
}
