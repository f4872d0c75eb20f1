/**
 * The cluster as the flow classifiers see it: nodes (name, InternalIP, pod CIDR, VM size, WireGuard key or not),
 * pods (IP, node, hostNetwork), ClusterIP services, and the cluster-wide encryption settings. Built from the cluster
 * document and the workload model (fromCluster) or by hand in tests; indexed once (indexModel) so classifying a
 * flow is a few map look-ups, whatever the cluster's size.
 */
import { cidrContains, parseCidr, parseIPv4, type Cidr } from '../net/ip.js';

export interface ModelNode {
  readonly name: string;
  readonly ip: string;
  /** The node's pod CIDR(s); pods of the node live in them. */
  readonly podCidrs: readonly string[];
  readonly vmSize: string;
  readonly pool: string;
  /**
   * Would this node's agent take part in WireGuard were it configured (a published key)? Default true. On a cluster
   * with WireGuard on, a node whose CiliumNode carries no key does not.
   */
  readonly wireguard?: boolean;
  /** node-role.kubernetes.io/control-plane: opted out of node encryption. */
  readonly optOutNodeEncryption?: boolean;
}

export interface ModelPod {
  readonly namespace: string;
  readonly name: string;
  readonly node: string | null;
  readonly ip: string | null;
  readonly hostNetwork: boolean;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface ModelService {
  readonly namespace: string;
  readonly name: string;
  readonly clusterIP: string;
  readonly selector: Readonly<Record<string, string>> | null;
}

export interface InsightModel {
  readonly nodes: readonly ModelNode[];
  readonly pods: readonly ModelPod[];
  readonly services: readonly ModelService[];
  /** Is WireGuard transit encryption configured on the cluster? */
  readonly wireguard: boolean;
  /** Cilium's encrypt-node (AKS: off). */
  readonly nodeEncryption: boolean;
  /** Address ranges that belong to the cluster (node subnet, pod CIDR pool, service CIDR). */
  readonly clusterCidrs: readonly string[];
}

/** One end of a flow as the model knows it. */
export interface Endpoint {
  /** pod: a pod-network pod; node: a node's own address or a hostNetwork pod; external: outside the cluster. */
  readonly kind: 'pod' | 'node' | 'external';
  readonly ip: string;
  /** The node it lives on (pods and nodes). */
  readonly node: string | null;
  readonly namespace: string | null;
  readonly name: string | null;
  readonly hostNetwork: boolean;
}

export interface IndexedModel {
  readonly model: InsightModel;
  readonly nodesByName: ReadonlyMap<string, ModelNode>;
  /** Look an IPv4 address up: pod, node, service, inside the cluster but unknown, or outside. */
  lookup(ip: string): Lookup;
  /** Running pods a service's selector matches. */
  backends(svc: ModelService): readonly ModelPod[];
}

export type Lookup =
  | { readonly type: 'pod'; readonly pod: ModelPod }
  | { readonly type: 'node'; readonly node: ModelNode }
  | { readonly type: 'service'; readonly service: ModelService }
  /** In a node's pod CIDR but no known pod (a new endpoint, the router or health IP). */
  | { readonly type: 'pod-cidr'; readonly node: ModelNode }
  /** Inside a cluster range but nothing known there. */
  | { readonly type: 'cluster'; readonly cidr: string }
  | { readonly type: 'outside' }
  | { readonly type: 'invalid' };

/** Build the look-up tables once. @throws RangeError when a node's IP or CIDR is malformed. */
export function indexModel(model: InsightModel): IndexedModel {
  const nodesByName = new Map(model.nodes.map((n) => [n.name, n]));
  const nodeByIp = new Map(model.nodes.map((n) => [n.ip, n]));
  const podByIp = new Map<string, ModelPod>();
  for (const p of model.pods) if (p.ip !== null && !p.hostNetwork && p.node !== null) podByIp.set(p.ip, p);
  const serviceByIp = new Map(model.services.map((s) => [s.clusterIP, s]));
  // Pod CIDRs by their /24 (or larger) prefix: nodes hold /24s in AKS overlay, so a map of /24 keys is exact for them
  // and a linear fallback covers other prefix lengths.
  const cidr24 = new Map<number, ModelNode>();
  const otherCidrs: { cidr: Cidr; node: ModelNode }[] = [];
  for (const n of model.nodes) {
    for (const text of n.podCidrs) {
      const c = parseCidr(text, true);
      if (c.bits === 24) cidr24.set(c.base >>> 8, n);
      else otherCidrs.push({ cidr: c, node: n });
    }
  }
  const clusterCidrs = model.clusterCidrs.map((t) => ({ text: t, cidr: parseCidr(t, true) }));
  const cache = new Map<string, Lookup>();

  function uncached(ip: string): Lookup {
    const pod = podByIp.get(ip);
    if (pod) return { type: 'pod', pod };
    const node = nodeByIp.get(ip);
    if (node) return { type: 'node', node };
    const service = serviceByIp.get(ip);
    if (service) return { type: 'service', service };
    let v: number;
    try {
      v = parseIPv4(ip);
    } catch {
      return { type: 'invalid' };
    }
    const n24 = cidr24.get(v >>> 8);
    if (n24) return { type: 'pod-cidr', node: n24 };
    for (const o of otherCidrs) if (cidrContains(o.cidr, v)) return { type: 'pod-cidr', node: o.node };
    for (const c of clusterCidrs) if (cidrContains(c.cidr, v)) return { type: 'cluster', cidr: c.text };
    return { type: 'outside' };
  }

  const selectorCache = new Map<ModelService, ModelPod[]>();
  return {
    model,
    nodesByName,
    lookup(ip) {
      let hit = cache.get(ip);
      if (hit === undefined) {
        hit = uncached(ip);
        // Bounded: a flow log with millions of distinct external IPs must not grow this without limit.
        if (cache.size >= 200_000) cache.clear();
        cache.set(ip, hit);
      }
      return hit;
    },
    backends(svc) {
      let list = selectorCache.get(svc);
      if (!list) {
        const sel = svc.selector;
        const keys = sel ? Object.keys(sel) : [];
        list =
          keys.length === 0
            ? []
            : model.pods.filter((p) => p.node !== null && p.ip !== null && p.namespace === svc.namespace && keys.every((k) => p.labels?.[k] === sel![k]));
        selectorCache.set(svc, list);
      }
      return list;
    },
  };
}

export function podEndpoint(p: ModelPod): Endpoint {
  return { kind: p.hostNetwork ? 'node' : 'pod', ip: p.ip ?? '', node: p.node, namespace: p.namespace, name: p.name, hostNetwork: p.hostNetwork };
}

export function nodeEndpoint(n: ModelNode, ip = n.ip): Endpoint {
  return { kind: 'node', ip, node: n.name, namespace: null, name: n.name, hostNetwork: false };
}

export function externalEndpoint(ip: string): Endpoint {
  return { kind: 'external', ip, node: null, namespace: null, name: null, hostNetwork: false };
}
