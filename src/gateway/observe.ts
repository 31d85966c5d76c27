// Gateway metrics: one call per finished transaction feeds the Prometheus counters in web/metrics.ts.
// No I/O (in-memory counters). Protects invariant 2: labels are listener, direction, action, header
// names (bounded by headerLabel) and failure reasons — never addresses, subjects or numbers.
import { headerLabel, metrics } from '../web/metrics.ts';
import type { DecisionAction, StoredFinding } from '../store/types.ts';
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

/** the store, with every durable decision counted once it is written (one place, not per branch) */
export function observedStore<S extends { recordDecision: Function; recordIncident: Function; quarantine: Function }>(store: S): S {
  type Row = { listener: string; direction: Direction; action: DecisionAction; findings: StoredFinding[] };
  const wrap = (name: 'recordDecision' | 'recordIncident' | 'quarantine', rowAt: number) =>
    async (...args: unknown[]) => {
      await (store[name] as (...a: unknown[]) => Promise<void>).apply(store, args);
      observeTransaction(args[rowAt] as Row);
      if (name !== 'recordDecision' && args[rowAt + (name === 'quarantine' ? 2 : 1)]) observeNoticeQueued();
    };
  const wrapped = { recordDecision: wrap('recordDecision', 0), recordIncident: wrap('recordIncident', 1), quarantine: wrap('quarantine', 1) };
  // bound once per method, not on every call (the gateway calls ping() for every message); keyed by
  // the function itself, so a method replaced on the store later is bound afresh
  const bound = new WeakMap<Function, Function>();
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop in wrapped) return wrapped[prop as keyof typeof wrapped];
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      let b = bound.get(v);
      if (b === undefined) bound.set(v, (b = v.bind(target)));
      return b;
    },
  });
}
