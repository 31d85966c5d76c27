// Prometheus metrics (prom-client) in one registry served at GET /metrics. No I/O here.
// Labels carry header names, listener names, actions and reasons — never addresses, subjects or
// numbers (invariant 2), and few distinct values (Prometheus keeps one series per label set).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'postvagt_' });

export const metrics = {
  registry,
  transactions: new Counter({
    name: 'postvagt_transactions_total',
    help: 'SMTP transactions decided, by listener, direction and action (pass, reject, quarantine, redact, tag, upstream-fail, tempfail)',
    labelNames: ['listener', 'direction', 'action'] as const,
    registers: [registry],
  }),
  findings: new Counter({
    name: 'postvagt_findings_total',
    help: 'CPR numbers found in headers, by header name and kind (cpr, replacement)',
    labelNames: ['header', 'kind'] as const,
    registers: [registry],
  }),
  upstreamFailures: new Counter({
    name: 'postvagt_upstream_failures_total',
    help: 'upstream relay failures, by listener and reason (connect, timeout, tls, 4xx, 5xx)',
    labelNames: ['listener', 'reason'] as const,
    registers: [registry],
  }),
  noticesQueued: new Counter({
    name: 'postvagt_notices_queued_total',
    help: 'notices (RFC 3464 DSNs) queued to senders',
    registers: [registry],
  }),
  transactionSeconds: new Histogram({
    name: 'postvagt_transaction_seconds',
    help: 'time from end of DATA to the reply, by listener',
    labelNames: ['listener'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  }),
};

/**
 * Header names become label values; an attacker can invent endless X- headers, so anything
 * outside the well-known set is folded into 'X-other' (bounded cardinality).
 */
export function headerLabel(name: string): string {
  const known = ['subject', 'thread-topic', 'from', 'to', 'cc', 'bcc', 'reply-to', 'sender', 'comments', 'keywords'];
  const lower = name.toLowerCase();
  if (known.includes(lower)) return lower.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase());
  return lower.startsWith('x-') ? 'X-other' : 'other';
}
