/**
 * Grading an observed flow: what the log says happened to it against what WireGuard as configured would do. A flow is
 * encrypted only when forwarded on a path WireGuard as configured encrypts; a flow Hubble saw only DROPPED never
 * crossed the wire, and a strict-mode drop (`drop_reason_desc` UNENCRYPTED_TRAFFIC) is proof the datapath had no key
 * for it: neither counts as encrypted. Each flow gets a one-line `reason`, in the words `traffic inspect` uses.
 */
import type { NodeFacts } from './coverage.js';
import { API_SERVER_NAME } from '../cluster/system.js';
import { API_SERVER_SERVICE, WIREGUARD_PORT, type ObservedFlow } from './hubble-types.js';

/** What grading needs of the cluster: its configured scenario bit, whether WireGuard is on, each node's facts. */
export interface GradeContext {
  readonly configuredBit: number;
  readonly wireguard: boolean;
  readonly facts: ReadonlyMap<string, NodeFacts>;
}

/**
 * Grade one flow: sets `encrypted` and `reason`; `mask` is the flow's scenario bits with the configured one cleared
 * when it was not encrypted after all (dropped, or dropped by strict mode).
 */
export function gradeFlow(f: ObservedFlow, g: GradeContext): { mask: number; dropped: boolean; strict: boolean } {
  const strict = (f.dropReasons['UNENCRYPTED_TRAFFIC'] ?? 0) > 0;
  const verdicts = Object.keys(f.verdicts);
  const dropped = verdicts.length > 0 && verdicts.every((v) => v === 'DROPPED');
  const would = (f.scenarios & g.configuredBit) !== 0;
  f.encrypted = would && !dropped && !strict;
  f.reason = observedReason(f, { dropped, strict, wireguard: g.wireguard, facts: g.facts });
  return { mask: would && !f.encrypted ? f.scenarios & ~g.configuredBit : f.scenarios, dropped, strict };
}

/** Why an observed flow is encrypted or not, in the words `traffic inspect` uses for simulated flows. */
export function observedReason(
  f: Pick<ObservedFlow, 'source' | 'destination' | 'path' | 'encrypted' | 'service' | 'dropReasons' | 'nodes' | 'unknownAddress' | 'unresolvedService'>,
  g: { dropped: boolean; strict: boolean; wireguard: boolean; facts: ReadonlyMap<string, NodeFacts> },
): string {
  const src = f.source;
  const dst = f.destination;
  const at = f.nodes[0] ?? src.node;
  if (g.strict) return `strict mode: dropped with UNENCRYPTED_TRAFFIC${at ? ` on ${at}` : ''} (the packet would have left the node unencrypted)`;
  if (g.dropped) {
    const why = Object.keys(f.dropReasons).join(', ');
    return `dropped${why ? ` (${why})` : ''}${at ? ` on ${at}` : ''}: it never crossed the wire`;
  }
  if (f.encrypted) {
    return f.path === 'inter-node'
      ? `pod to pod across nodes: ${src.node} and ${dst.node} are WireGuard peers (both publish a key), so it crossed eth0 only as WireGuard UDP ${WIREGUARD_PORT}`
      : `between two nodes with Cilium node encryption on: WireGuard UDP ${WIREGUARD_PORT} on eth0`;
  }
  switch (f.path) {
    case 'external':
      if (f.service === API_SERVER_SERVICE || dst.name === API_SERVER_NAME) {
        return `to the Kubernetes API server (${dst.ip}), which runs outside the cluster on AKS: no WireGuard peer owns it; protected by TLS, not WireGuard`;
      }
      if (f.unresolvedService) return `to ClusterIP service ${f.service} with no backend in the model: treated as outside the cluster`;
      if (src.kind === 'external') return `from outside the cluster (${src.ip}${f.unknownAddress ? ', an address in no cluster range' : ''}): no WireGuard peer owns the source`;
      return `to outside the cluster (${dst.ip}${f.unknownAddress ? ', an address in no cluster range' : ''}): no WireGuard peer owns the destination`;
    case 'same-node':
      return `pod to pod on the same node (${src.node}): delivered over the lxc veth, never on eth0`;
    case 'node-originated':
      return `from ${src.hostNetwork ? `hostNetwork pod ${src.namespace}/${src.name}` : `node ${src.node}`}: the source is the host, which WireGuard on AKS does not encrypt (node encryption off)`;
    case 'to-node':
      if (dst.name === 'cilium-health') return `to ${dst.node}'s Cilium health endpoint (${dst.ip}), an address of the node's agent, not a pod: outside the peer's pod AllowedIPs (node encryption off)`;
      return `to ${dst.hostNetwork ? `hostNetwork pod ${dst.namespace}/${dst.name}` : `node ${dst.node} (${dst.ip})`}: node addresses carry no WireGuard key (node encryption off)`;
    case 'inter-node': {
      if (!g.wireguard) return 'WireGuard transit encryption is off on this cluster: sent in plaintext on eth0';
      const keyless = [src.node, dst.node].find((n) => n !== null && g.facts.get(n)?.wireguard === false);
      return keyless ? `${keyless} publishes no WireGuard key (its CiliumNode has none): no peer, sent in plaintext on eth0` : 'not encrypted: sent in plaintext on eth0';
    }
  }
}
