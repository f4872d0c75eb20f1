/**
 * What a lab is made of, decided from the model alone (pure): the names every namespace and interface gets, each
 * node's address, routes and cilium_wg0 configuration (the simulated agent's, handed in by the command), each pod's
 * namespace and veth, and the rogue machine. The builder (lab/build.ts) turns this into `ip`, `wg` and `nft` calls.
 *
 * Layout (all inside namespaces the lab creates; nothing in the root namespace):
 *   <prefix>-vnet            the VNet: bridge <prefix>br, one port <prefix>v<i> per machine (veth)
 *   <prefix>-node-<node>     a node: eth0 (the port's peer) at the node IP; lxc<hash> veths to its pods;
 *                            cilium_wg0 (wireguard-go) when its agent runs WireGuard; hostNetwork pods live here
 *   <prefix>-pod-<ns>.<pod>  a pod: eth0 at the pod IP/32, default route via a link-local gateway whose
 *                            neighbour entry is permanent (the lxc veth's MAC), as Cilium's lxc devices do
 *   <prefix>-rogue           the rogue machine, with its own wireguard-go when it has a key
 */
import { cidrContains, parseCidr, parseIPv4 } from '../net/ip.js';
import { fnv1a } from '../cluster/doc.js';
import type { FabricNode, WgConfig } from '../fabric/types.js';

/** The pods' default gateway: link-local, answered by a permanent neighbour entry (no ARP, no proxy ARP). */
export const POD_GATEWAY = '169.254.1.1';
/** The routing table that sends local pods' traffic to remote pod CIDRs into cilium_wg0 (policy routing by source). */
export const WG_ROUTE_TABLE = 201;
/** The priority of the `ip rule from <local pod CIDR> lookup 201` rules. */
export const WG_RULE_PRIORITY = 100;
/** The interface name Cilium gives its WireGuard device. */
export const WG_IFACE = 'cilium_wg0';

/** A pod as the lab needs it (a running pod with an IP). */
export interface LabPodInput {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly ip: string;
  readonly hostNetwork: boolean;
}

export interface LabInput {
  readonly resourceGroup: string;
  readonly name: string;
  readonly nodes: readonly FabricNode[];
  /** The node subnet (its prefix length is eth0's). */
  readonly nodeSubnet: string;
  readonly pods: readonly LabPodInput[];
  /** Each node's cilium_wg0 as the simulated agent computes it now (null: its agent runs without WireGuard). */
  readonly wireguard: ReadonlyMap<string, WgConfig | null>;
  readonly strictEgressCidr?: string;
  readonly rogue?: { readonly name: string; readonly ip: string; readonly config: WgConfig | null };
}

export interface LabWg {
  /** base64; private key bytes come from the key file when the builder configures the device. */
  readonly publicKey: string;
  readonly listenPort: number;
  readonly mtu: number;
  readonly peers: readonly { readonly node: string; readonly publicKey: string; readonly endpoint: string; readonly allowedIps: readonly string[] }[];
}

export interface LabNode {
  readonly name: string;
  readonly ns: string;
  readonly ip: string;
  readonly prefixLen: number;
  readonly podCidr: string;
  /** Its port on the bridge, in the vnet namespace. */
  readonly port: string;
  readonly wg: LabWg | null;
  /** Remote pod CIDRs routed into cilium_wg0 for sources in podCidr (the peers' nodes). */
  readonly wgRoutes: readonly string[];
  /** Strict egress: unencrypted pod-to-pod packets to this CIDR leaving eth0 are dropped (nftables). */
  readonly strictCidr: string | null;
  /** Every other node's pod CIDR and node IP (plain routes out eth0). */
  readonly others: readonly { readonly podCidr: string; readonly ip: string }[];
}

export interface LabPod {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly ip: string;
  /** Its own namespace; null for a hostNetwork pod (it lives in its node's namespace). */
  readonly ns: string | null;
  /** The host side of its veth, in the node's namespace. */
  readonly lxc: string | null;
}

export interface LabRogue {
  readonly name: string;
  readonly ns: string;
  readonly ip: string;
  readonly prefixLen: number;
  readonly port: string;
  readonly wg: LabWg | null;
  /** Pod CIDRs it routes into its WireGuard device (the nodes it believes are its peers), else out eth0. */
  readonly wgRoutes: readonly string[];
  readonly others: readonly { readonly podCidr: string; readonly ip: string }[];
}

export interface LabPlan {
  readonly resourceGroup: string;
  readonly name: string;
  readonly prefix: string;
  readonly vnetNs: string;
  readonly bridge: string;
  readonly nodes: readonly LabNode[];
  readonly pods: readonly LabPod[];
  readonly rogue: LabRogue | null;
  readonly strictEgressCidr: string | null;
}

/**
 * The per-cluster prefix of every name the lab creates: `aw` and six hex digits of the cluster's resource group and
 * name (ARM names are case-insensitive). Short enough that `<prefix>v<i>` fits Linux's 15-character interface names.
 */
export function labPrefix(resourceGroup: string, name: string): string {
  return `aw${(fnv1a(`${resourceGroup.toLowerCase()}/${name.toLowerCase()}`) & 0xffffff).toString(16).padStart(6, '0')}`;
}

/** A namespace name from a readable tail, cut (with a hash) so it stays a valid file name. */
function nsName(prefix: string, kind: string, tail: string): string {
  const clean = tail.replace(/[^A-Za-z0-9_.-]/g, '_');
  const full = `${prefix}-${kind}-${clean}`;
  if (full.length <= 120) return full;
  return `${full.slice(0, 110)}-${fnv1a(tail).toString(16).padStart(8, '0')}`;
}

/** A machine's port on the bridge: `<prefix>v` + 6 hex digits of its name (15 characters, stable across live changes). */
export function portName(prefix: string, machine: string): string {
  return `${prefix}v${(fnv1a(machine) & 0xffffff).toString(16).padStart(6, '0')}`;
}

/** The host-side veth name of a pod: `lxc` + 8 hex digits of the pod's key (unique within its node's namespace). */
export function lxcName(namespace: string, name: string, salt = 0): string {
  return `lxc${((fnv1a(`${namespace}/${name}`) + salt) >>> 0).toString(16).padStart(8, '0')}`;
}

function wgOf(c: WgConfig | null): LabWg | null {
  if (!c) return null;
  return {
    publicKey: c.publicKey,
    listenPort: c.listenPort,
    mtu: c.mtu,
    peers: c.peers.map((p) => ({ node: p.node, publicKey: p.publicKey, endpoint: `${p.endpoint.address}:${p.endpoint.port}`, allowedIps: [...p.allowedIps] })),
  };
}

/** Every namespace a plan names, the VNet first. */
export function planNamespaces(plan: LabPlan): string[] {
  return [plan.vnetNs, ...plan.nodes.map((n) => n.ns), ...plan.pods.flatMap((p) => (p.ns ? [p.ns] : [])), ...(plan.rogue ? [plan.rogue.ns] : [])];
}

/**
 * The lab for a cluster's model.
 * @throws RangeError when two pods of a node would get the same veth name (never for distinct pods in practice).
 */
export function labPlan(input: LabInput): LabPlan {
  const prefix = labPrefix(input.resourceGroup, input.name);
  const prefixLen = parseCidr(input.nodeSubnet, true).bits;
  const podCidrOf = new Map(input.nodes.map((n) => [n.name, n.podCidr]));
  const strict = input.strictEgressCidr ?? null;
  const nodes: LabNode[] = input.nodes.map((n) => {
    const cfg = input.wireguard.get(n.name) ?? null;
    const wg = wgOf(cfg);
    return {
      name: n.name,
      ns: nsName(prefix, 'node', n.name),
      ip: n.ip,
      prefixLen,
      podCidr: n.podCidr,
      port: portName(prefix, n.name),
      wg,
      // a peer whose AllowedIPs hold pod IPs gets its node's pod CIDR routed into cilium_wg0
      wgRoutes: wg ? wg.peers.filter((p) => p.allowedIps.length > 1).map((p) => podCidrOf.get(p.node)!).filter(Boolean) : [],
      strictCidr: wg && strict ? strict : null,
      others: input.nodes.filter((m) => m.name !== n.name).map((m) => ({ podCidr: m.podCidr, ip: m.ip })),
    };
  });
  const pods: LabPod[] = [];
  const used = new Map<string, Set<string>>();
  for (const p of input.pods) {
    if (p.hostNetwork) {
      pods.push({ namespace: p.namespace, name: p.name, node: p.node, ip: p.ip, ns: null, lxc: null });
      continue;
    }
    const names = used.get(p.node) ?? new Set<string>();
    used.set(p.node, names);
    let lxc = lxcName(p.namespace, p.name);
    for (let salt = 1; names.has(lxc); salt++) {
      if (salt > 1000) throw new RangeError(`lab: no free veth name for ${p.namespace}/${p.name}`);
      lxc = lxcName(p.namespace, p.name, salt);
    }
    names.add(lxc);
    pods.push({ namespace: p.namespace, name: p.name, node: p.node, ip: p.ip, ns: nsName(prefix, 'pod', `${p.namespace}.${p.name}`), lxc });
  }
  let rogue: LabRogue | null = null;
  if (input.rogue) {
    const wg = wgOf(input.rogue.config);
    rogue = {
      name: input.rogue.name,
      ns: `${prefix}-rogue`,
      ip: input.rogue.ip,
      prefixLen,
      port: `${prefix}vr`,
      wg,
      wgRoutes: wg ? wg.peers.filter((p) => p.allowedIps.length > 1).map((p) => podCidrOf.get(p.node)!).filter(Boolean) : [],
      others: input.nodes.map((m) => ({ podCidr: m.podCidr, ip: m.ip })),
    };
  }
  return { resourceGroup: input.resourceGroup, name: input.name, prefix, vnetNs: `${prefix}-vnet`, bridge: `${prefix}br`, nodes, pods, rogue, strictEgressCidr: strict };
}

/** The node or pod namespace an address lives in (a pod IP, a node IP), or undefined. */
export function namespaceOfIp(plan: LabPlan, ip: string): string | undefined {
  const pod = plan.pods.find((p) => p.ns !== null && p.ip === ip);
  if (pod) return pod.ns!;
  return plan.nodes.find((n) => n.ip === ip)?.ns;
}

/** The node whose pod CIDR holds `ip`, or undefined. */
export function nodeOfPodIp(plan: LabPlan, ip: string): LabNode | undefined {
  const n = parseIPv4(ip);
  return plan.nodes.find((node) => cidrContains(parseCidr(node.podCidr, true), n));
}
