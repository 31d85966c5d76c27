// Semantic checks the schema cannot express: no open relay, routes that exist, unique listeners,
// certificates in production, valid regexes. Pure. Each problem names its key path, so load.ts
// can add the file line. Protects invariant 1 (no way to configure silent loss) and "no open relay".
import { isIP } from 'node:net';
import type { Config } from './schema.ts';
import { bareAddress, isSafeAddress } from '../notify/recipient.ts';
import type { KeyPath } from './yaml-lines.ts';

export interface Problem {
  path: KeyPath;
  message: string;
}

export function semanticProblems(c: Config): Problem[] {
  const problems: Problem[] = [];
  const names = new Map<string, number>();
  const ports = new Map<string, number>();
  c.listeners.forEach((l, i) => {
    const at = (...rest: (string | number)[]) => ['listeners', i, ...rest];
    if (names.has(l.name)) problems.push({ path: at('name'), message: `listener name '${l.name}' is already used by listeners[${names.get(l.name)}]` });
    names.set(l.name, i);
    // port 0 = "any free port" (tests, ephemeral setups): never a clash
    const port = portOf(l.listen);
    if (Number(port) > 65535) problems.push({ path: at('listen'), message: `port ${port} does not exist (ports are 1-65535)` });
    if (port !== '0' && ports.has(port)) problems.push({ path: at('listen'), message: `port ${port} is already used by listeners[${ports.get(port)}]` });
    if (port !== '0') ports.set(port, i);
    if (!(l.upstream in c.upstreams)) {
      const defined = Object.keys(c.upstreams).join(', ') || 'none';
      problems.push({ path: at('upstream'), message: `route '${l.upstream}' is not defined under upstreams (defined: ${defined})` });
    }
    if (l.relay.networks.length === 0 && !l.relay.auth) {
      problems.push({ path: at('relay'), message: 'would be an open relay: give relay.networks (allowed client networks) and/or relay.auth: true' });
    }
    l.relay.networks.forEach((n, j) => {
      const why = badNetwork(n);
      if (why) problems.push({ path: at('relay', 'networks', j), message: why });
    });
    problems.push(...tlsProblems(c, i));
  });
  if (Number(portOf(c.web.listen)) > 65535) problems.push({ path: ['web', 'listen'], message: `port ${portOf(c.web.listen)} does not exist (ports are 1-65535)` });
  if (portOf(c.web.listen) !== '0' && ports.has(portOf(c.web.listen))) {
    problems.push({ path: ['web', 'listen'], message: `port ${portOf(c.web.listen)} is also an SMTP listener's port` });
  }
  if (c.policy.outbound.action === 'pass') {
    problems.push({ path: ['policy', 'outbound', 'action'], message: "'pass' is only allowed for inbound (monitoring-only); outbound mail with a CPR number in a header must be stopped or changed" });
  }
  if (c.mode === 'production' && c.web.public_url?.startsWith('http:')) {
    // the sign-in cookie is Secure in production (src/web/server.ts): over http:// the link leads to a sign-in that cannot stick
    problems.push({ path: ['web', 'public_url'], message: 'production mode needs an https:// address: the dashboard\'s sign-in only works over HTTPS there (put the TLS reverse proxy\'s address here)' });
  }
  problems.push(...addressProblems(c));
  c.notify.unreachable_senders.forEach((p, j) => {
    try {
      new RegExp(p, 'i');
    } catch (err) {
      problems.push({ path: ['notify', 'unreachable_senders', j], message: `not a valid regular expression: ${(err as Error).message}` });
    }
  });
  return problems;
}

/**
 * Notices come From: postmaster and escalations and digests go to central_mailbox. A value that is
 * not one plain address was accepted at start and then failed every escalation at run time — each
 * null-sender mail got 451 and nobody was told (invariant 6): refuse it here, with its line.
 */
function addressProblems(c: Config): Problem[] {
  const keys = ['postmaster', 'central_mailbox'] as const;
  return keys
    .filter((k) => !isSafeAddress(bareAddress(c.notify[k])))
    .map((k) => ({ path: ['notify', k], message: `'${c.notify[k]}' is not an e-mail address (write it as name@example.dk, or "Name <name@example.dk>")` }));
}


function tlsProblems(c: Config, i: number): Problem[] {
  const tls = c.listeners[i].tls;
  const at = ['listeners', i, 'tls'];
  if ((tls.cert_file === undefined) !== (tls.key_file === undefined)) {
    return [{ path: at, message: 'give both cert_file and key_file, or neither' }];
  }
  if (c.mode === 'production' && tls.starttls && tls.cert_file === undefined) {
    return [{ path: at, message: 'production mode needs cert_file and key_file for STARTTLS (self-signed certificates are for development only)' }];
  }
  return [];
}

function portOf(hostPort: string): string {
  return hostPort.slice(hostPort.lastIndexOf(':') + 1);
}

/** Why a relay network is refused, or undefined when it is fine. */
export function badNetwork(cidr: string): string | undefined {
  const slash = cidr.lastIndexOf('/');
  const addr = cidr.slice(0, slash);
  const prefix = Number(cidr.slice(slash + 1));
  const family = isIP(addr);
  if (family === 0) return `'${addr}' is not an IP address`;
  if (prefix > (family === 4 ? 32 : 128)) return `prefix /${prefix} is too long for an IPv${family} address`;
  if (prefix === 0) return `'${cidr}' would let the whole internet relay (an open relay); list your own networks`;
  return undefined;
}
