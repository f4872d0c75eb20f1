/**
 * Where each address of a Hubble flow is: in the model first (pods, nodes, the Cilium router and health addresses of
 * a node's pod CIDR, ClusterIP services translated to a backend), else from what Hubble says about it (reserved
 * identities, pod names). A new distinct flow is placed here once: its endpoints, its path class (cluster/path.ts)
 * and which --compare options would encrypt it (coverage.ts wouldEncrypt).
 */
import { wouldEncrypt, type NodeFacts } from './coverage.js';
import { classifyPath } from '../cluster/path.js';
import { API_SERVER_NAME } from '../cluster/system.js';
import { fresh, identityOf, str, type Interner } from './hubble-read.js';
import { API_SERVER_SERVICE, RESERVED_IDENTITY, type HubbleEndpoint, type ObservedFlow, type Protocol } from './hubble-types.js';
import { externalEndpoint, nodeEndpoint, podEndpoint, type Endpoint, type IndexedModel } from './model.js';

/** A flow line's addresses and ports, in the request direction. */
export interface Raw {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  proto: Protocol;
  reply: boolean;
}

/** Places new flows against one model. */
export class FlowPlacer {
  constructor(
    private readonly index: IndexedModel,
    private readonly facts: ReadonlyMap<string, NodeFacts>,
    private readonly configuredBit: number,
    private readonly strings: Interner,
  ) {}

  /** Where an address is, in the model first, else from what Hubble says about it. */
  private endpoint(ip: string, ep: Record<string, unknown> | undefined, role: 'src' | 'dst'): { ep: HubbleEndpoint; service: string | null; unknown: boolean; unresolved: boolean } {
    const identity = identityOf(ep);
    const ns = str(ep?.['namespace']);
    const pod = str(ep?.['pod_name']);
    const hubbleNs = ns === null ? null : this.strings.intern(ns);
    const hubblePod = pod === null ? null : fresh(pod);
    const with_ = (e: Endpoint): HubbleEndpoint => ({ ...e, identity });
    const hit = this.index.lookup(ip);
    switch (hit.type) {
      case 'pod':
        return { ep: with_(podEndpoint(hit.pod)), service: null, unknown: false, unresolved: false };
      case 'node': {
        // A hostNetwork pod shares its node's IP: Hubble's pod name tells which one it was.
        if (hubblePod && hubbleNs) {
          return {
            ep: { kind: 'node', ip, node: hit.node.name, namespace: hubbleNs, name: hubblePod, hostNetwork: true, identity },
            service: null,
            unknown: false,
            unresolved: false,
          };
        }
        return { ep: with_(nodeEndpoint(hit.node, ip)), service: null, unknown: false, unresolved: false };
      }
      case 'pod-cidr':
        // the node's Cilium router (cilium_host, CiliumInternalIP) is the host itself: Hubble says host or remote-node
        if (identity === RESERVED_IDENTITY.host || identity === RESERVED_IDENTITY['remote-node']) {
          return { ep: with_(nodeEndpoint(hit.node, ip)), service: null, unknown: false, unresolved: false };
        }
        // its health endpoint is the agent's too (as traffic inspect models it: not a pod in the peer's AllowedIPs)
        if (identity === RESERVED_IDENTITY.health) {
          return { ep: { kind: 'node', ip, node: hit.node.name, namespace: null, name: 'cilium-health', hostNetwork: false, identity }, service: null, unknown: false, unresolved: false };
        }
        return {
          ep: { kind: 'pod', ip, node: hit.node.name, namespace: hubbleNs, name: hubblePod, hostNetwork: false, identity },
          service: null,
          unknown: false,
          unresolved: false,
        };
      case 'service': {
        const svc = hit.service;
        const name = `${svc.namespace}/${svc.name}`;
        // AKS runs the API server outside the cluster: the kubernetes service's ClusterIP leads out of it
        if (name === API_SERVER_SERVICE) return { ep: with_({ ...externalEndpoint(ip), name: API_SERVER_NAME }), service: name, unknown: false, unresolved: false };
        const backends = this.index.backends(svc);
        // Prefer the backend Hubble names; else the one a hash of the address picks (as a load balancer would).
        const named = hubblePod ? backends.find((p) => p.name === hubblePod && p.namespace === (hubbleNs ?? svc.namespace)) : undefined;
        const pick = named ?? backends[hashString(`${ip}/${role}`) % Math.max(1, backends.length)];
        if (pick) return { ep: with_(podEndpoint(pick)), service: name, unknown: false, unresolved: false };
        return { ep: with_(externalEndpoint(ip)), service: name, unknown: false, unresolved: true };
      }
      default: {
        const world = identity === RESERVED_IDENTITY.world || identity === RESERVED_IDENTITY['kube-apiserver'];
        // outside the model: external for the classification, but keep the names Hubble gave it
        const ep = hubblePod
          ? { ...externalEndpoint(ip), namespace: hubbleNs, name: hubblePod }
          : identity === RESERVED_IDENTITY['kube-apiserver']
            ? { ...externalEndpoint(ip), name: API_SERVER_NAME }
            : externalEndpoint(ip);
        return { ep: with_(ep), service: null, unknown: !world, unresolved: false };
      }
    }
  }

  /** A new observed flow (no counts yet) for a line's tuple and its Hubble endpoints. */
  place(raw: Raw, direction: string, srcEp: Record<string, unknown> | undefined, dstEp: Record<string, unknown> | undefined): ObservedFlow {
    const s = this.endpoint(raw.src, srcEp, 'src');
    const d = this.endpoint(raw.dst, dstEp, 'dst');
    const scenarios = wouldEncrypt(s.ep, d.ep, this.facts);
    return {
      source: s.ep,
      destination: d.ep,
      sourcePort: raw.sport,
      destinationPort: raw.dport,
      protocol: raw.proto,
      direction,
      service: d.service ?? s.service,
      path: classifyPath(s.ep, d.ep),
      encrypted: (scenarios & this.configuredBit) !== 0,
      scenarios,
      requests: 0,
      replies: 0,
      verdicts: {},
      dropReasons: {},
      observationPoints: [],
      nodes: [],
      firstTime: null,
      lastTime: null,
      lastTimeValue: -Infinity,
      wireSource: fresh(raw.src),
      wireDestination: fresh(raw.dst),
      unknownAddress: s.unknown || d.unknown,
      unresolvedService: s.unresolved || d.unresolved,
      reason: '',
    };
  }
}

function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
