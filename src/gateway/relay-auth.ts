// Who may relay through a listener: client address in the configured networks, and/or SMTP AUTH.
// No I/O (pure matching over node:net's BlockList). Protects "an open relay is impossible by
// configuration": with no networks and no AUTH nobody may relay, never everybody.
import net from 'node:net';

export interface RelayRule {
  networks: readonly string[];
  auth: boolean;
}

export interface RelayCheck {
  (client: { address: string; authenticated: boolean }): boolean;
}

/** strip an IPv4-mapped IPv6 prefix (::ffff:10.0.0.1) so IPv4 networks match dual-stack listeners */
export function normaliseAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  let a = address.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) a = mapped[1];
  const v = net.isIP(a);
  if (v === 4) return { address: a, family: 'ipv4' };
  if (v === 6) return { address: a, family: 'ipv6' };
  return null;
}

/** builds the check; throws on a network that is not CIDR (config loading reports it with the key) */
export function relayCheck(rule: RelayRule): RelayCheck {
  const list = new net.BlockList();
  for (const cidr of rule.networks) {
    const [addr, bits] = cidr.split('/');
    const n = normaliseAddress(addr);
    const prefix = Number(bits);
    if (!n || !Number.isInteger(prefix) || prefix < 0 || prefix > (n.family === 'ipv4' ? 32 : 128)) {
      throw new Error(`not a network in CIDR form: ${cidr}`);
    }
    list.addSubnet(n.address, prefix, n.family);
  }
  // BlockList.check builds a SocketAddress per call; RCPT asks once per recipient, from a handful of
  // relaying hosts, so remember the answer per address (bounded: cleared when it fills up)
  const known = new Map<string, boolean>();
  return ({ address, authenticated }) => {
    if (rule.auth && authenticated) return true;
    let ok = known.get(address);
    if (ok === undefined) {
      const n = normaliseAddress(address);
      ok = n !== null && list.check(n.address, n.family);
      if (known.size >= 4096) known.clear();
      known.set(address, ok);
    }
    return ok;
  };
}
