// The gateway: one SMTP listener per configured listener, the upstream routes (with the embedded
// capture mailbox when a route's url is `capture`), and the notice worker. I/O: TCP listeners,
// SMTP upstreams, the store. Protects invariant 1 by wiring every listener through transaction.ts.
import type { LoadedConfig } from '../config/load.ts';
import type { Store } from '../store/types.ts';
import type { UpstreamConfig } from '../config/schema.ts';
import { maskText, parseHeaderBlock, scanHeaders } from '../detect/index.ts';
import { startCapture, type CaptureMailbox } from './capture.ts';
import { startListener, type Listener } from './ingress.ts';
import { startNoticeWorker, type NoticeWorker } from './notices.ts';
import { startDigestScheduler, type DigestScheduler } from './digest-scheduler.ts';
import { listenerTls } from './tls.ts';
import { observedStore } from './observe.ts';
import { PooledRoute, type UpstreamRoute } from './upstream.ts';
import type { Detector, GatewayLogger, TxContext } from './transaction.ts';
import type { NotifySettings } from './records.ts';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

export interface Gateway {
  listeners: { name: string; host: string; port: number }[];
  capture?: { host: string; port: number };
  upstreamReachable(): Promise<boolean>;
  close(opts?: { graceMs?: number }): Promise<void>;
}

export interface StartParams {
  loaded: LoadedConfig;
  store: Store;
  logger: GatewayLogger;
  clock?: () => Date;
  /** SMTP AUTH check for listeners with relay.auth; without it AUTH is not offered */
  authenticate?: (user: string, pass: string) => Promise<boolean>;
  /** run the notice worker and the daily digest (default true); tests drive them themselves */
  noticeWorker?: boolean;
  /** overrides for tests: a route name → ready upstream */
  routes?: Map<string, UpstreamRoute>;
}

export function makeDetector(loaded: LoadedConfig): Detector {
  const policy = loaded.config.policy;
  const opts = { fingerprintKey: loaded.hmacKey, maskStyle: policy.mask, headers: policy.headers };
  return {
    parse: (header) => parseHeaderBlock(header),
    scan: (fields) => scanHeaders(fields, opts),
    mask: (text) => maskText(text, { maskStyle: policy.mask }),
  };
}

/** smtp://host:port → host and port (default 25); [v6] literals allowed */
export function parseSmtpUrl(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : 25 };
}

async function makeRoute(name: string, up: UpstreamConfig, target: { host: string; port: number }): Promise<PooledRoute> {
  const ca = up.ca_file ? await readFile(up.ca_file) : undefined;
  return new PooledRoute(name, {
    ...target,
    heloName: up.helo_name ?? hostname(),
    timeoutMs: up.timeout_ms,
    requireTls: up.require_tls,
    verifyCertificates: up.verify_certificates,
    ca,
    maxConnections: up.max_connections,
  });
}

export async function startGateway(p: StartParams): Promise<Gateway> {
  const cfg = p.loaded.config;
  const clock = p.clock ?? (() => new Date());
  const routes = new Map<string, UpstreamRoute>(p.routes ?? []);
  let capture: CaptureMailbox | undefined;
  const started: Listener[] = [];
  let worker: NoticeWorker | null = null;
  let digest: DigestScheduler | null = null;
  try {
    for (const [name, up] of Object.entries(cfg.upstreams)) {
      if (routes.has(name)) continue;
      if (up.url === 'capture') {
        const maxSize = Math.max(...cfg.listeners.map((l) => l.max_message_size));
        capture ??= await startCapture({ store: p.store, maxSize, onError: (err) => p.logger.error({ event: 'store.fail', where: 'capture', err: (err as Error).message }) });
        routes.set(name, await makeRoute(name, { ...up, require_tls: false }, capture));
      } else routes.set(name, await makeRoute(name, up, parseSmtpUrl(up.url)));
    }
    // the escalation's dashboard link rides with the notify settings (records.ts NotifySettings)
    const notify: NotifySettings = { ...cfg.notify, publicUrl: cfg.web.public_url };
    const ctx: TxContext = { store: observedStore(p.store), logger: p.logger, clock, detector: makeDetector(p.loaded), policy: cfg.policy, notify };
    const dataDir = resolve(cfg.data_dir);
    for (const l of cfg.listeners) {
      const route = routes.get(l.upstream);
      if (!route) throw new Error(`listener ${l.name}: no upstream route named ${l.upstream}`);
      const tls = await listenerTls(l, cfg.mode, dataDir);
      started.push(await startListener(l, { ctx, route, tls, authenticate: p.authenticate }));
    }
    const noticeRoute = routes.get('default') ?? routes.values().next().value;
    if (p.noticeWorker !== false && noticeRoute) {
      worker = startNoticeWorker({ store: p.store, route: noticeRoute, logger: p.logger, notify, clock });
      if (cfg.digest.enabled) digest = startDigestScheduler({ config: { ...cfg, data_dir: resolve(cfg.data_dir) }, store: p.store, route: noticeRoute, logger: p.logger, clock });
    }
  } catch (err) {
    await Promise.all(started.map((l) => l.close(0)));
    await capture?.close();
    throw err;
  }

  return {
    listeners: started.map((l) => ({ name: l.name, host: l.host, port: l.port })),
    capture: capture ? { host: capture.host, port: capture.port } : undefined,
    async upstreamReachable() {
      const results = await Promise.all([...routes.values()].map((r) => r.reachable()));
      return results.every(Boolean);
    },
    async close(opts) {
      const grace = opts?.graceMs ?? 30_000;
      digest?.stop();
      await worker?.stop();
      await Promise.all(started.map((l) => l.close(grace)));
      await Promise.all([...routes.values()].map((r) => r.close()));
      await capture?.close();
    },
  };
}
