// The dashboard and JSON API (fastify): probes and metrics without login; incidents, the capture
// mailbox and pages behind a dashboard user (HTTP Basic or session cookie). I/O: one HTTP listener.
// Everything shown comes from the store, which holds masked data only (invariant 2).
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { LoadedConfig } from '../config/load.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/types.ts';
import { incidentJson, parseIncidentQuery, parseStatusChange } from './api.ts';
import { Authenticator, cookieValue, SESSION_COOKIE, SESSION_SECONDS } from './auth.ts';
import { metrics } from './metrics.ts';
import { maskedSubject, showMail } from './show-mail.ts';
import { capturedMessagePage, capturedPage, CSS, incidentsPage, loginPage, forbiddenPage, notFoundPage, unknownIncidentPage } from './pages.ts';
import { maskText } from '../detect/index.ts';
import { parseIncidentId } from '../store/ids.ts';

export interface WebParams {
  loaded: LoadedConfig;
  store: Store;
  health: () => { serving: boolean; upstreamReachable: () => Promise<boolean> };
  logger: Logger;
  clock?: () => Date;
}

interface Ctx extends WebParams {
  auth: Authenticator;
  now: () => Date;
  failures: Map<string, { count: number; until: number }>;
}

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  // same-origin, not no-referrer: under no-referrer browsers send `Origin: null` even on the dashboard's
  // own POSTs, and sameOrigin() refused every status change made in a real browser (Chromium test).
  // Other sites still get no referrer (case numbers stay in the dashboard).
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** Build the app without listening (tests use `inject`). */
export function buildWeb(p: WebParams): FastifyInstance {
  const now = p.clock ?? (() => new Date());
  const ctx: Ctx = { ...p, now, auth: new Authenticator(p.store, p.loaded.hmacKey, now), failures: new Map() };
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  app.addHook('onSend', async (_req, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
  app.addHook('onResponse', async (req, reply) => {
    p.logger.debug({ event: 'web.request', method: req.method, path: req.routeOptions.url ?? 'unknown', status: reply.statusCode });
  });
  app.setErrorHandler(async (err, _req, reply) => {
    p.logger.error({ event: 'web.request', err }, 'dashboard request failed');
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    return reply.code(status >= 400 && status < 500 ? status : 500).type('text/plain').send(status < 500 ? 'bad request' : 'internal error');
  });
  registerProbes(app, ctx);
  registerLogin(app, ctx);
  registerApi(app, ctx);
  registerPages(app, ctx);
  return app;
}

export async function startWeb(p: WebParams): Promise<{ url: string; close(): Promise<void> }> {
  const app = buildWeb(p);
  const { host, port } = splitHostPort(p.loaded.config.web.listen);
  await app.listen({ host, port });
  const addr = app.server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  return { url, close: () => app.close() };
}

export function splitHostPort(hp: string): { host: string; port: number } {
  const i = hp.lastIndexOf(':');
  return { host: hp.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(hp.slice(i + 1)) };
}

function registerProbes(app: FastifyInstance, ctx: Ctx): void {
  app.get('/healthz', async (_req, reply) => {
    const serving = ctx.health().serving;
    return reply.code(serving ? 200 : 503).send({ status: serving ? 'ok' : 'not serving' });
  });
  app.get('/readyz', async (_req, reply) => {
    const store = await ctx.store.ping().then(() => true, () => false);
    const upstream = await ctx.health().upstreamReachable().catch(() => false);
    const ready = store && upstream;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', store: store ? 'ok' : 'unavailable', upstream: upstream ? 'ok' : 'unreachable' });
  });
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.get('/static/style.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'max-age=3600').send(CSS));
}

/** The signed-in user from the session cookie or HTTP Basic, or null. */
async function userOf(ctx: Ctx, req: FastifyRequest): Promise<string | null> {
  return ctx.auth.session(cookieValue(req.headers.cookie, SESSION_COOKIE)) ?? (await ctx.auth.basic(req.headers.authorization));
}

function registerApi(app: FastifyInstance, ctx: Ctx): void {
  app.get('/api/incidents', async (req, reply) => {
    if (!(await userOf(ctx, req))) {
      return reply.code(401).header('www-authenticate', 'Basic realm="Postvagt", charset="UTF-8"').send({ error: 'login required' });
    }
    const q = parseIncidentQuery(req.query as Record<string, unknown>);
    if (!q.ok) return reply.code(400).send({ error: q.error });
    const incidents = await ctx.store.listIncidents(q.filter);
    return reply.send({ incidents: incidents.map(incidentJson) });
  });
}

function registerLogin(app: FastifyInstance, ctx: Ctx): void {
  app.get('/login', async (req, reply) => reply.type('text/html; charset=utf-8').send(loginPage({ next: safeNext((req.query as { next?: string }).next) })));
  app.post('/login', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const next = safeNext(body.next);
    const ip = req.ip;
    const now = ctx.now().getTime();
    const f = ctx.failures.get(ip);
    if (f && f.count >= 10 && f.until > now) {
      return reply.code(429).type('text/html; charset=utf-8').send(loginPage({ next, error: 'For mange forsøg; vent 15 minutter · Too many attempts; wait 15 minutes' }));
    }
    const user = body.user ?? '';
    const ok = user !== '' && (await ctx.auth.check(user, body.password ?? ''));
    ctx.logger.info({ event: 'web.login', user, ok, ip });
    if (!ok) {
      ctx.failures.set(ip, { count: (f && f.until > now ? f.count : 0) + 1, until: now + 15 * 60_000 });
      return reply.code(401).type('text/html; charset=utf-8').send(loginPage({ next, error: 'Forkert bruger eller adgangskode · Wrong user or password' }));
    }
    ctx.failures.delete(ip);
    const secure = ctx.loaded.config.mode === 'production' ? '; Secure' : '';
    // Lax, not Strict: the reviewer follows the digest's and escalations' links from webmail (another
    // site); a top-level GET is a read. Writes are POSTs, which Lax keeps cross-site cookies off, and
    // which also check Origin (sameOrigin)
    const cookie = `${SESSION_COOKIE}=${ctx.auth.issueSession(user)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_SECONDS}${secure}`;
    return reply.code(303).header('set-cookie', cookie).header('location', next).send();
  });
  app.post('/logout', async (_req, reply) =>
    reply.code(303).header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`).header('location', '/login').send(),
  );
}

function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // scripts with Basic auth; browsers always send Origin on POST
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** The dashboard page a form was posted from (Referer, same origin only), else the incident list. */
function backTo(req: FastifyRequest): string {
  const referer = req.headers.referer;
  if (typeof referer !== 'string') return '/incidents';
  try {
    const u = new URL(referer);
    return u.host === req.headers.host && u.pathname.startsWith('/incidents') ? safeNext(u.pathname + u.search) : '/incidents';
  } catch {
    return '/incidents';
  }
}

/** Only local paths: an absolute or protocol-relative `next` would be an open redirect. */
function safeNext(next: string | undefined): string {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/incidents';
}

function registerPages(app: FastifyInstance, ctx: Ctx): void {
  const page = (handler: (req: FastifyRequest, reply: FastifyReply, user: string) => Promise<unknown>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const user = await userOf(ctx, req);
      if (!user) return reply.code(303).header('location', `/login?next=${encodeURIComponent(req.url)}`).send();
      reply.type('text/html; charset=utf-8');
      return handler(req, reply, user);
    };
  app.get('/', async (_req, reply) => reply.code(303).header('location', '/incidents').send());
  app.get('/incidents', page(async (req, reply, user) => {
    const query = req.query as Record<string, string | undefined>;
    // the case number a case worker reads out from a notice: straight to that incident
    if (query.id?.trim()) {
      // only a well-formed case number goes into a URL (a pasted CPR number would reach proxy logs)
      const id = parseIncidentId(query.id);
      if (id === null) return reply.code(404).send(unknownIncidentPage(user, maskText(query.id.trim().slice(0, 40))));
      return reply.code(303).header('location', `/incidents/${id}`).send();
    }
    const q = parseIncidentQuery(query);
    if (!q.ok) return reply.code(400).send(incidentsPage({ incidents: [], now: ctx.now(), filter: {}, user, error: q.error }));
    return reply.send(incidentsPage({ incidents: await ctx.store.listIncidents(q.filter), now: ctx.now(), filter: query, user }));
  }));
  // one incident by its case number (the link in escalation mails and digests points here)
  app.get('/incidents/:id', page(async (req, reply, user) => {
    const raw = (req.params as { id: string }).id;
    const id = parseIncidentId(raw);
    const found = id === null ? null : await ctx.store.getIncident(id);
    if (!found) return reply.code(404).send(unknownIncidentPage(user, maskText(raw.slice(0, 40))));
    return reply.send(incidentsPage({ incidents: [found], now: ctx.now(), filter: {}, user, single: true }));
  }));
  app.post('/incidents/:id/status', page(async (req, reply, user) => {
    // the cookie is SameSite=Lax (no cross-site POST carries it); a browser POST from another site also shows in Origin
    if (!sameOrigin(req)) return reply.code(403).send(forbiddenPage(user));
    const id = (req.params as { id: string }).id;
    const change = parseStatusChange((req.body ?? {}) as Record<string, unknown>);
    if (!change.ok) return reply.code(400).type('text/plain; charset=utf-8').send(change.error);
    if (!(await ctx.store.getIncident(id))) return reply.code(404).send(notFoundPage(user));
    await ctx.store.updateIncident(id, change.patch);
    ctx.logger.info({ event: 'incident.update', incident: id, user, status: change.patch.status, resolution: change.patch.resolution });
    // back to the page the button was on (the list with its filters, or the one incident)
    return reply.code(303).header('location', backTo(req)).send();
  }));
  app.get('/captured', page(async (_req, reply, user) => {
    const messages = await ctx.store.listCaptured(200);
    const subjects = new Map<number, string>();
    for (const m of messages) {
      const raw = await ctx.store.readCaptured(m.id);
      if (raw) subjects.set(m.id, maskedSubject(raw));
    }
    return reply.send(capturedPage({ messages, subjects, user }));
  }));
  app.get('/captured/:id', page(async (req, reply, user) => {
    const id = Number((req.params as { id: string }).id);
    const message = Number.isInteger(id) ? (await ctx.store.listCaptured(1000)).find((m) => m.id === id) : undefined;
    const raw = message ? await ctx.store.readCaptured(id) : null;
    if (!message || !raw) return reply.code(404).send(notFoundPage(user));
    // delivered mail may carry numbers in headers and body; shown masked like every other view
    const shown = await showMail(raw);
    return reply.send(capturedMessagePage({ message, maskedText: shown.text, truncated: shown.truncated, user }));
  }));
  app.setNotFoundHandler(async (_req, reply) => reply.code(404).type('text/html; charset=utf-8').send(notFoundPage(null)));
}
