/**
 * The simulated Cilium agents (pkg/wireguard/agent in Cilium): what each node's agent publishes in its CiliumNode and
 * the `cilium_wg0` configuration it computes from every other CiliumNode. Pure over three documents — the cluster
 * (nodes, config), the workloads (pod IPs per node) and the Cilium document below — plus a reader for the key files
 * (repo/cilium.ts stores them all: the document's key, the key files' layout, load and save).
 *
 * The Cilium document (`<cluster dir>/cilium.json`, repo/cilium.ts) keeps one record per node's agent. A record's `publicKey` is
 * the key the agent published (the `network.cilium.io/wg-pub-key` annotation) and `wireguardSinceMs` when its agent
 * came back with WireGuard: during a rolling restart the later nodes' times lie in the future of the cluster's
 * simulated clock, so the same document answers "who encrypts" for any instant. Every agent sees every annotation
 * at once (no propagation delay is modelled): when a node's key changes, all peers switch to the new key together.
 */
import { wireguardConfigured } from '../aks/model.js';
import type { ClusterDoc } from '../cluster/doc.js';
import type { Workloads } from '../cluster/workloads.js';
import { parseIPv4 } from '../net/ip.js';
import type { WgConfig, WgPeerConfig, WireGuardPlan } from '../fabric/types.js';
import { PlanSource } from '../fabric/wg-source.js';

/** Cilium's WireGuard interface name (pkg/wireguard/types). */
export const WG_INTERFACE = 'cilium_wg0';
/** UDP port, the same on every node; source port = destination port. */
export const WG_PORT = 51871;
/** The CiliumNode annotation carrying the base64 public key. */
export const WG_PUBKEY_ANNOTATION = 'network.cilium.io/wg-pub-key';
/** The alias Cilium also accepts when reading. */
export const WG_PUBKEY_ANNOTATION_ALIAS = 'io.cilium.network.wg-pub-key';
/** The agent's key file, relative to the node's root. */
export const WG_KEY_PATH = '/var/run/cilium/state/cilium_wg0.key';
/** eth0's MTU on AKS VMs. */
export const DEVICE_MTU = 1500;
/** WireGuard overhead Cilium subtracts: 32 B message minimum + 40 B outer IP + 8 B UDP (an approximation). */
export const WG_MTU_OVERHEAD = 80;
export const WG_MTU = DEVICE_MTU - WG_MTU_OVERHEAD;
/** `spec.encryption.key` of a node that uses WireGuard. */
export const WG_ENCRYPTION_KEY_INDEX = 255;
/** Simulated time one agent takes to restart during a rolling restart. */
export const AGENT_RESTART_INTERVAL_MS = 10_000;

/** A peer entry of a node's cilium_wg0: AllowedIPs 'ip/32', the node IP first, then that node's pod IPs (numeric order). */
export type WireGuardPeerConfig = WgPeerConfig;

/** A node's cilium_wg0: its key file's 32 raw bytes (never printed), base64 public key, port, MTU, peers in node order. */
export type WireGuardNodeConfig = WgConfig;

/** One node's agent. */
export interface AgentRecord {
  node: string;
  /** The published key (base64); null while the agent runs without WireGuard. */
  publicKey: string | null;
  /** When the agent came back with WireGuard (may lie ahead of the clock during a rollout); null without it. */
  wireguardSinceMs: number | null;
  /** When the agent last (re)started. */
  restartedAtMs: number;
  /** Agent starts so far (1 when the node joined). */
  generation: number;
  /** Keys this node has generated (a reimage makes a new one). */
  keyGeneration: number;
}

/** A rolling restart of the agents, node by node. */
export interface Rollout {
  reason: 'enable-wireguard';
  startedAtMs: number;
  intervalMs: number;
  /** Nodes in restart order; node i is back at startedAtMs + (i + 1) × intervalMs. */
  order: string[];
  doneAtMs: number;
}

/** A machine on the node subnet with its own WireGuard key that no CiliumNode lists (`node add-rogue`). */
export interface RogueRecord {
  name: string;
  ip: string;
  /** base64 */
  publicKey: string;
  listenPort: number;
  createdMs: number;
}

export interface CiliumDoc {
  /** By node name. */
  agents: Record<string, AgentRecord>;
  /** The latest rolling restart (kept after it finishes, for status). */
  rollout: Rollout | null;
  /** Strict egress mode's CIDR (`enable-encryption-strict-mode-egress`); absent when off. */
  strictEgressCidr?: string;
  rogue?: RogueRecord;
}

export function emptyCilium(): CiliumDoc {
  return { agents: {}, rollout: null };
}

/** Does the cluster run Cilium agents at all? */
export function ciliumDataplane(cluster: ClusterDoc): boolean {
  return cluster.managedCluster.networkProfile.networkDataplane === 'cilium';
}

/** The key a node's CiliumNode carries at `atMs` (base64), or null. */
export function publishedKey(cluster: ClusterDoc, cilium: CiliumDoc, node: string, atMs: number): string | null {
  if (!wireguardConfigured(cluster.managedCluster)) return null;
  const a = cilium.agents[node];
  if (!a || a.publicKey === null || a.wireguardSinceMs === null || a.wireguardSinceMs > atMs) return null;
  return a.publicKey;
}

const ALL_ZERO_KEY = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** What every agent computes at one instant: the keyed nodes and who was refused as a duplicate. */
export interface AgentView {
  /** Node → the key its CiliumNode carries at the instant. */
  keys: Map<string, string>;
  /** Node → the node that already used its key (Cilium's "existing node"): it gets no peer anywhere. */
  duplicates: Map<string, string>;
}

/**
 * Which nodes carry a key at `atMs`, and which of those Cilium refuses: a key seen on an earlier node (cluster node
 * order stands in for the order the agents learnt the nodes) makes the later node a duplicate. The all-zero key is
 * never accepted.
 */
export function agentView(cluster: ClusterDoc, cilium: CiliumDoc, atMs: number): AgentView {
  const keys = new Map<string, string>();
  const duplicates = new Map<string, string>();
  const owner = new Map<string, string>();
  for (const n of cluster.nodes) {
    const key = publishedKey(cluster, cilium, n.name, atMs);
    if (key === null || key === ALL_ZERO_KEY) continue;
    keys.set(n.name, key);
    const prev = owner.get(key);
    if (prev !== undefined) duplicates.set(n.name, prev);
    else owner.set(key, n.name);
  }
  return { keys, duplicates };
}

/** Cilium's error for a duplicate key. */
export function duplicateKeyMessage(node: string, existing: string): string {
  return `detected duplicate public key. node "${node}" uses same key as existing node "${existing}"`;
}

/** What one agent logged while computing its peers at an instant (e.g. duplicate keys). */
export function agentErrors(view: AgentView, self: string): string[] {
  const out: string[] = [];
  for (const [node, existing] of view.duplicates) if (node !== self) out.push(duplicateKeyMessage(node, existing));
  return out;
}

/** Pod-network pod IPs per node ('ip/32', numeric order); hostNetwork and Pending pods excluded. */
export function podIpsByNode(workloads: Workloads): Map<string, string[]> {
  const byNode = new Map<string, string[]>();
  for (const p of workloads.pods) {
    if (p.node === null || p.ip === null || p.hostNetwork) continue;
    const list = byNode.get(p.node);
    if (list) list.push(p.ip);
    else byNode.set(p.node, [p.ip]);
  }
  for (const [node, ips] of byNode) {
    // each address parsed once, not twice per comparison (150,000 pods at 5,000 nodes)
    const keyed = [...new Set(ips)].map((ip) => ({ ip, n: parseIPv4(ip) })).sort((a, b) => a.n - b.n);
    byNode.set(node, keyed.map((k) => `${k.ip}/32`));
  }
  return byNode;
}

export interface WireGuardInput {
  cluster: ClusterDoc;
  workloads: Workloads;
  cilium: CiliumDoc;
  /** The raw 32 bytes of a node's key file, undefined when absent (repo/cilium.ts keyReader). */
  readKey: (node: string) => Uint8Array | undefined;
}

/** One consistent read of everything the agents' views need (repo/snapshot.ts loadSnapshot reads it). */
export interface CiliumSnapshot extends WireGuardInput {
  now: number;
  /** Every node's cilium_wg0 configuration now. */
  configs(): Map<string, WireGuardNodeConfig | null>;
}

/**
 * Every node's cilium_wg0 configuration at simulated time `atMs`: null for a node whose agent runs without
 * WireGuard (cluster not configured for it, its agent not yet restarted during a rolling update, or its key file
 * missing). Peers are the other nodes whose CiliumNode carries a key at `atMs`, minus duplicates, in node order.
 * One peer object per node is shared by every node's config (n² copies would not fit a large cluster): treat the
 * result as read-only.
 */
export function wireguardConfigs(input: WireGuardInput, atMs: number): Map<string, WireGuardNodeConfig | null> {
  const source = new PlanSource(wireguardPlan(input, atMs));
  const nodes = input.cluster.nodes;
  const out = new Map<string, WireGuardNodeConfig | null>();
  for (const n of nodes) {
    const device = source.device(n.name);
    out.set(n.name, device && { ...device, peers: nodes.flatMap((m) => source.peer(n.name, m.name) ?? []) });
  }
  return out;
}

/**
 * The plain data every node's cilium_wg0 at `atMs` follows (fabric/wg-source.ts PlanSource holds the rules): the keys
 * the CiliumNodes carry, the refused duplicates, the key files, the pod IPs per node. The fabric reads it lazily, so
 * a 5,000-node cluster is not written out as 25 million peer entries.
 */
export function wireguardPlan(input: WireGuardInput, atMs: number): WireGuardPlan {
  const view = agentView(input.cluster, input.cilium, atMs);
  const privateKeys: Record<string, Uint8Array> = {};
  for (const node of view.keys.keys()) {
    const key = input.readKey(node);
    if (key) privateKeys[node] = key;
  }
  return {
    kind: 'plan',
    nodes: input.cluster.nodes.map((n) => ({ name: n.name, ip: n.ip })),
    keys: Object.fromEntries(view.keys),
    duplicates: Object.fromEntries(view.duplicates),
    privateKeys,
    podIps: Object.fromEntries(podIpsByNode(input.workloads)),
    listenPort: WG_PORT,
    mtu: WG_MTU,
  };
}

/**
 * The rogue machine's own cilium_wg0-like configuration at `atMs`, or null when there is none: it believes every
 * WireGuard node is its peer (endpoint and AllowedIPs as the real agents compute them), but no node lists it.
 */
export function rogueConfig(input: WireGuardInput & { readRogueKey: () => Uint8Array | undefined }, atMs: number): WireGuardNodeConfig | null {
  const rogue = input.cilium.rogue;
  if (!rogue) return null;
  const privateKey = input.readRogueKey();
  if (!privateKey || privateKey.length !== 32) return null;
  const source = new PlanSource(wireguardPlan(input, atMs));
  const peers = input.cluster.nodes.flatMap((n) => {
    const entry = source.entry(n.name);
    return entry && entry.publicKey !== rogue.publicKey ? [entry] : [];
  });
  return { node: rogue.name, privateKey, publicKey: rogue.publicKey, listenPort: rogue.listenPort, mtu: WG_MTU, peers };
}

/** Nodes whose agent runs WireGuard at `atMs`, and all nodes (`cilium encryption status`). */
export function encryptionCounts(cluster: ClusterDoc, cilium: CiliumDoc, atMs: number): { wireguard: number; total: number } {
  let wireguard = 0;
  for (const n of cluster.nodes) if (publishedKey(cluster, cilium, n.name, atMs) !== null) wireguard++;
  return { wireguard, total: cluster.nodes.length };
}

/** Is a rolling restart still running at `atMs`? */
export function rolloutInProgress(cilium: CiliumDoc, atMs: number): boolean {
  return cilium.rollout !== null && cilium.rollout.doneAtMs > atMs;
}
