// Gateway metrics: one call per finished transaction feeds the Prometheus counters in web/metrics.ts.
// No I/O (in-memory counters). Protects invariant 2: labels are listener, direction, action, header
// names (bounded by headerLabel) and failure reasons — never addresses, subjects or numbers.
import { headerLabel, metrics } from '../web/metrics.ts';
import type { Readable } from 'node:stream';
import type { DecisionAction, DecisionRecord, Incident, NoticeDraft, Store, StoredFinding } from '../store/types.ts';
import type { Direction } from '../policy/types.ts';

export function observeTransaction(p: { listener: string; direction: Direction; action: DecisionAction; findings: readonly StoredFinding[]; startedAt?: number }): void {
  metrics.transactions.inc({ listener: p.listener, direction: p.direction, action: p.action });
  for (const f of p.findings) metrics.findings.inc({ header: headerLabel(f.header), kind: f.kind });
  if (p.startedAt !== undefined) metrics.transactionSeconds.observe({ listener: p.listener }, (performance.now() - p.startedAt) / 1000);
}

export function observeUpstreamFailure(listener: string, reason: string): void {
  metrics.upstreamFailures.inc({ listener, reason });
}

export function observeNoticeQueued(): void {
  metrics.noticesQueued.inc();
}

/**
 * The store, with every durable decision counted once it is written (one place, not per branch).
 * Every call goes to the store's method as it is at call time (a method replaced later is used).
 * A class rather than a Proxy: ping() and recordDecision() run for every relayed mail, and a Proxy
 * trap per property read cost more than the counting itself.
 */
export function observedStore(store: Store): Store {
  return new ObservedStore(store);
}

class ObservedStore implements Store {
  constructor(private readonly s: Store) {}

  async recordDecision(d: DecisionRecord): Promise<void> {
    await this.s.recordDecision(d);
    observeTransaction(d);
  }

  async recordIncident(inc: Incident, d: DecisionRecord, notice?: NoticeDraft): Promise<void> {
    await this.s.recordIncident(inc, d, notice);
    observeTransaction(d);
    if (notice) observeNoticeQueued();
  }

  async quarantine(inc: Incident, d: DecisionRecord, message: Buffer | Readable, notice?: NoticeDraft): Promise<void> {
    await this.s.quarantine(inc, d, message, notice);
    observeTransaction(d);
    if (notice) observeNoticeQueued();
  }

  ping: Store['ping'] = () => this.s.ping();
  readQuarantined: Store['readQuarantined'] = (id) => this.s.readQuarantined(id);
  deleteQuarantined: Store['deleteQuarantined'] = (id) => this.s.deleteQuarantined(id);
  dueNotices: Store['dueNotices'] = (limit) => this.s.dueNotices(limit);
  markNotice: Store['markNotice'] = (id, outcome) => this.s.markNotice(id, outcome);
  capture: Store['capture'] = (m) => this.s.capture(m);
  listCaptured: Store['listCaptured'] = (limit) => this.s.listCaptured(limit);
  readCaptured: Store['readCaptured'] = (id) => this.s.readCaptured(id);
  listIncidents: Store['listIncidents'] = (f) => this.s.listIncidents(f);
  getIncident: Store['getIncident'] = (id) => this.s.getIncident(id);
  updateIncident: Store['updateIncident'] = (id, patch) => this.s.updateIncident(id, patch);
  listDecisions: Store['listDecisions'] = (f) => this.s.listDecisions(f);
  addUser: Store['addUser'] = (u, o) => this.s.addUser(u, o);
  getUser: Store['getUser'] = (name) => this.s.getUser(name);
  close: Store['close'] = () => this.s.close();
}
