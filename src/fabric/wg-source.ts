/**
 * Where the fabric reads each node's cilium_wg0 configuration from, one question at a time: a node's own device,
 * its peer entry for one other node, and which node's AllowedIPs hold an address. On AKS every node has a peer for
 * every other node, with that node's IP and pod IPs as AllowedIPs — 5,000 nodes mean 25 million peer entries and
 * 700 million prefixes if written out, yet a run only ever asks about the pairs it sends between. So the fabric
 * asks, and a source answers from shared data:
 *   - a WireGuardPlan (plain, cloneable data: the published keys, the refused duplicates, the private keys, the pod
 *     IPs per node) answers lazily by Cilium's peer rules (PlanSource: their one statement; cilium/agents.ts
 *     wireguardConfigs writes every node's list out with it), without building every node's list;
 *   - a map of full configurations (tests, the rogue machine) answers from the lists it has.
 */
import { cidrContains, parseCidr, parseIPv4, type Cidr } from '../net/ip.js';
import type { WgConfig, WgPeerConfig, WireGuardPlan } from './types.js';

/** A node's own device: its key and port (its peers come from WireGuardSource.peer). */
export type WgDeviceConfig = Omit<WgConfig, 'peers'>;

export interface WireGuardSource {
  /** The node's cilium_wg0, or null when its agent runs without WireGuard. */
  device(node: string): WgDeviceConfig | null;
  /** `node`'s peer entry for `peerNode`, or null when it has none. */
  peer(node: string, peerNode: string): WgPeerConfig | null;
  /** The node whose peer entry (in any other node's device) lists `ip` in its AllowedIPs. */
  owner(ip: number): string | undefined;
  /** The node that published `publicKey` (base64), if any. */
  nodeOfKey(publicKey: string): string | undefined;
  /** Equal for two sources that answer everything the same (a reconfiguration to an equal source is a no-op). */
  readonly fingerprint: string;
  /** Every node's entry for a peer has the same AllowedIPs (so owner() answers for all of them). */
  readonly uniform: boolean;
}

export type WireGuardInput = WireGuardPlan | ReadonlyMap<string, WgConfig | null>;

/** The source for either form. */
export function wireGuardSource(input: WireGuardInput): WireGuardSource {
  return isPlan(input) ? new PlanSource(input) : new ConfigMapSource(input);
}

function isPlan(input: WireGuardInput): input is WireGuardPlan {
  return (input as WireGuardPlan).kind === 'plan';
}

/**
 * The one statement of Cilium's peer rules (cilium/agents.ts wireguardConfigs materializes it for every node): keyed
 * nodes with a key file get a device; peers are the other keyed nodes, minus duplicates and a node with our own key;
 * AllowedIPs are the node IP then its pod IPs.
 */
export class PlanSource implements WireGuardSource {
  readonly fingerprint: string;
  readonly uniform = true;
  private readonly ipOf = new Map<string, string>();
  private readonly allowed = new Map<string, string[]>();
  private readonly owners = new Map<number, string>();
  private readonly byKey = new Map<string, string>();
  private ownersBuilt = false;

  constructor(private readonly plan: WireGuardPlan) {
    for (const n of plan.nodes) this.ipOf.set(n.name, n.ip);
    for (const [node, key] of Object.entries(plan.keys)) if (!(node in plan.duplicates)) this.byKey.set(key, node);
    const keyed = plan.nodes.filter((n) => plan.keys[n.name] !== undefined).map((n) => `${n.name}=${plan.keys[n.name]}${n.name in plan.duplicates ? '!' : ''}`);
    this.fingerprint = `plan:${plan.listenPort}:${plan.mtu}:${keyed.join(',')}`;
  }

  device(node: string): WgDeviceConfig | null {
    const publicKey = this.plan.keys[node];
    const privateKey = publicKey === undefined ? undefined : this.plan.privateKeys[node];
    if (publicKey === undefined || privateKey === undefined || privateKey.length !== 32) return null;
    return { node, privateKey, publicKey, listenPort: this.plan.listenPort, mtu: this.plan.mtu };
  }

  peer(node: string, peerNode: string): WgPeerConfig | null {
    if (node === peerNode) return null;
    const own = this.device(node);
    const entry = own ? this.entry(peerNode) : null;
    return entry && entry.publicKey !== own!.publicKey ? entry : null;
  }

  /** The entry every node's device has for `peerNode` (null when it publishes no key, or a duplicate one). */
  entry(peerNode: string): WgPeerConfig | null {
    const publicKey = this.plan.keys[peerNode];
    const ip = this.ipOf.get(peerNode);
    if (publicKey === undefined || ip === undefined || peerNode in this.plan.duplicates) return null;
    let allowedIps = this.allowed.get(peerNode);
    if (!allowedIps) {
      allowedIps = [`${ip}/32`, ...(this.plan.podIps[peerNode] ?? [])];
      this.allowed.set(peerNode, allowedIps);
    }
    return { node: peerNode, publicKey, endpoint: { address: ip, port: this.plan.listenPort }, allowedIps };
  }

  owner(ip: number): string | undefined {
    if (!this.ownersBuilt) {
      this.ownersBuilt = true;
      for (const n of this.plan.nodes) {
        if (this.plan.keys[n.name] === undefined || n.name in this.plan.duplicates) continue;
        this.owners.set(parseIPv4(n.ip), n.name);
        for (const p of this.plan.podIps[n.name] ?? []) this.owners.set(parseIPv4(p.slice(0, p.indexOf('/'))), n.name);
      }
    }
    return this.owners.get(ip);
  }

  nodeOfKey(publicKey: string): string | undefined {
    return this.byKey.get(publicKey);
  }
}

/** Answers from full configurations (each node's peer list written out). */
class ConfigMapSource implements WireGuardSource {
  readonly fingerprint: string;
  readonly uniform = false;
  private readonly peers = new Map<string, Map<string, WgPeerConfig>>();
  private readonly owners = new Map<number, string>();
  private readonly prefixes: { cidr: Cidr; node: string }[] = [];
  private readonly byKey = new Map<string, string>();

  constructor(private readonly configs: ReadonlyMap<string, WgConfig | null>) {
    const parts: string[] = [];
    for (const [node, c] of configs) {
      if (!c) continue;
      this.byKey.set(c.publicKey, node);
      const mine = new Map<string, WgPeerConfig>();
      for (const p of c.peers) {
        mine.set(p.node, p);
        for (const text of p.allowedIps) {
          const cidr = parseCidr(text, true);
          if (cidr.bits === 32) this.owners.set(cidr.base, p.node);
          else this.prefixes.push({ cidr, node: p.node });
        }
      }
      this.peers.set(node, mine);
      parts.push(`${node}=${c.publicKey}:${c.listenPort}:${c.peers.map((p) => `${p.publicKey}@${p.endpoint.address}:${p.endpoint.port}=${p.allowedIps.join(',')}`).join(';')}`);
    }
    this.fingerprint = `map:${parts.join('|')}`;
  }

  device(node: string): WgDeviceConfig | null {
    const c = this.configs.get(node);
    return c ? { node: c.node, privateKey: c.privateKey, publicKey: c.publicKey, listenPort: c.listenPort, mtu: c.mtu } : null;
  }

  peer(node: string, peerNode: string): WgPeerConfig | null {
    return this.peers.get(node)?.get(peerNode) ?? null;
  }

  owner(ip: number): string | undefined {
    const hit = this.owners.get(ip);
    if (hit !== undefined || this.prefixes.length === 0) return hit;
    let best: { cidr: Cidr; node: string } | undefined;
    for (const p of this.prefixes) if (cidrContains(p.cidr, ip) && (!best || p.cidr.bits > best.cidr.bits)) best = p;
    return best?.node;
  }

  nodeOfKey(publicKey: string): string | undefined {
    return this.byKey.get(publicKey);
  }
}
