// The structured logger (pino, JSON lines) with stable event codes in an `event` field and a
// redaction safety net: every string in a log line — message, fields, bindings, errors — passes
// through maskText before it is written (invariant 2; Postfix's mistake was logging the header).
import pino from 'pino';
import { maskText } from './detect/index.ts';

export type Logger = pino.Logger;

/** Stable log event codes (STYLE 9): dashboards and alerts match on these, so never rename. */
export const LOG_EVENTS = {
  'serve.start': 'gateway and dashboard started',
  'serve.stop': 'graceful shutdown finished',
  'smtp.connect': 'a client connected',
  'smtp.refused': 'a client or recipient was refused (relay rules, limits)',
  'smtp.error': 'an SMTP connection failed (client went away, TLS handshake, protocol error)',
  'verdict.pass': 'mail relayed unchanged',
  'verdict.reject': 'mail refused with 5xx because of a CPR number in a header',
  'verdict.quarantine': 'mail held encrypted; the sender was notified',
  'verdict.redact': 'numbers replaced in headers, mail relayed, sender notified',
  'verdict.tag': 'tag header added, mail relayed',
  'upstream.fail': 'the upstream refused or could not be reached; the client got the reply or 4xx',
  'tempfail': 'fail-closed 451 4.3.0 (fault, timeout, store down)',
  'notice.queued': 'a notice to the sender was queued',
  'notice.sent': 'a notice was delivered to the upstream',
  'notice.failed': 'a notice could not be delivered (final)',
  'notice.escalated': 'no notice possible (null/no-reply sender), or the notice finally failed; escalated to the central mailbox',
  'store.fail': 'the store could not be used',
  'process.fatal': 'an internal error nothing handled; the process exits 70 and open sessions are retried by their clients',
  'config.loaded': 'configuration loaded',
  'store.migrated': 'the database schema was created or upgraded on start (from, to: schema versions)',
  'web.login': 'a dashboard login attempt',
  'incident.update': 'a person changed an incident\'s status or resolution in the dashboard (who, what)',
  'web.request': 'an HTTP request was served',
} as const;
export type LogEvent = keyof typeof LOG_EVENTS;

export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? 'info',
    base: { service: 'postvagt' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // errors are already turned into masked plain objects by the hook below
    serializers: { err: (e: unknown) => e },
    formatters: {
      level: (label) => ({ level: label }),
    },
    hooks: {
      logMethod(args, method) {
        // pino treats a leading Error specially; keep that shape as { err } after masking.
        const first = args[0] instanceof Error ? { err: args[0] } : args[0];
        const masked = [first, ...args.slice(1)].map((a) => maskDeep(a, 0)) as Parameters<pino.LogFn>;
        return method.apply(this, masked);
      },
    },
  };
  const logger = opts.destination ? pino(options, opts.destination as pino.DestinationStream) : pino(options);
  return maskChildren(logger);
}

/** pino serialises child bindings once, outside the log hook: mask them on the way in. */
function maskChildren(logger: Logger): Logger {
  const child = logger.child.bind(logger);
  logger.child = ((bindings: pino.Bindings, options?: pino.ChildLoggerOptions) =>
    maskChildren(child(maskDeep(bindings, 0) as pino.Bindings, options) as Logger)) as unknown as Logger['child'];
  return logger;
}

/** A copy of `v` with every string masked; errors keep type, message, code and stack (masked). */
export function maskDeep(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return maskText(v);
  if (v === null || typeof v !== 'object' || depth > 8) return v;
  if (Buffer.isBuffer(v)) return `<${v.length} bytes>`;
  if (v instanceof Error) {
    const code = (v as { code?: unknown }).code;
    return { type: v.name, message: maskText(v.message), ...(code !== undefined ? { code: maskDeep(code, depth + 1) } : {}), stack: v.stack ? maskText(v.stack) : undefined };
  }
  if (Array.isArray(v)) return v.map((x) => maskDeep(x, depth + 1));
  // Date, URL and friends: log what JSON.stringify would, masked
  const toJSON = (v as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === 'function') return maskDeep(toJSON.call(v), depth + 1);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[maskText(k)] = maskDeep(x, depth + 1);
  return out;
}
