/**
 * Changing the Cilium agents inside a state mutation: keeping one agent per node, loading or generating each node's
 * key file, rolling restarts, reimages, strict mode and the rogue machine. Commands call these after they changed the
 * cluster document and before the transaction commits, so the cluster and its agents always change together.
 */
import { wireguardConfigured } from '../aks/model.js';
import { clusterNow } from '../cluster/clock.js';
import type { ClusterDoc } from '../cluster/doc.js';
import { cidrContains, cidrSize, formatIPv4, parseCidr, parseIPv4 } from '../net/ip.js';
import type { Rng } from '../platform/types.js';
import type { Tx } from '../state/store.js';
import { sodiumBackend } from '../wg-host/sodium-backend.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { clampPrivateKey, encodeKey, isLowOrderPublicKey, publicKeyFromPrivate, type PrivateKey } from '../wireguard/keys.js';
import {
  AGENT_RESTART_INTERVAL_MS,
  ciliumDataplane,
  ciliumDocKey,
  legacyNodeKeyKey,
  legacyNodeRootKey,
  loadCilium,
  nodeKeyKey,
  nodeKeyKeys,
  WG_KEY_PATH,
  WG_PORT,
  type AgentRecord,
  type CiliumDoc,
  type RogueRecord,
  type Rollout,
} from './agents.js';

export interface SyncOptions {
  /**
   * How agents that already run switch WireGuard on: 'rolling' (default) restarts them one by one, each
   * AGENT_RESTART_INTERVAL_MS after the previous; 'at-once' switches them all now.
   */
  mode?: 'rolling' | 'at-once';
}

export interface SyncResult {
  cilium: CiliumDoc;
  /** The rolling restart this call started, if any. */
  rollout: Rollout | null;
  /** Nodes whose agents were added or removed. */
  added: string[];
  removed: string[];
  /** Nodes whose agent found its key file gone or empty, and started again with a new key. */
  rekeyed: string[];
}

/**
 * A new X25519 private key bound to `label` (cluster, node, key generation): SHA-256 of fresh randomness and the
 * label, clamped. With the OS CSPRNG that is as random as the randomness; with AKS_WG_SEED, where every process
 * replays the same stream, it still gives every node and every reimage a key of its own.
 */
function newNodeKey(rng: Rng, label: string): PrivateKey {
  const random = rng.bytes(32);
  const tag = new TextEncoder().encode(label);
  const input = new Uint8Array(random.length + tag.length);
  input.set(random);
  input.set(tag, random.length);
  return clampPrivateKey(sha256(input));
}

/**
 * The node's key file, raw; one kept in the legacy layout is moved to the flat one (in the transaction).
 * Undefined when there is none.
 */
function readKeyFile(tx: Tx, rg: string, name: string, node: string): Uint8Array | undefined {
  const key = nodeKeyKey(rg, name, node);
  const bytes = tx.readBytes(key);
  if (bytes !== undefined) return bytes;
  const legacy = tx.readBytes(legacyNodeKeyKey(rg, name, node));
  if (legacy === undefined) return undefined;
  tx.writeBytes(key, legacy);
  tx.delete(legacyNodeRootKey(rg, name, node));
  return legacy;
}

/**
 * The node's key, as the agent does it at start: load the key file, or generate a clamped X25519 key and write it
 * (raw 32 bytes, mode 0600). A file that is not 32 bytes, or whose public key is of low order, is replaced.
 * Returns the base64 public key.
 */
export function loadOrCreateKey(tx: Tx, rg: string, name: string, node: string, rng: Rng, agent?: AgentRecord): string {
  const bytes = readKeyFile(tx, rg, name, node);
  if (bytes && bytes.length === 32) {
    const pub = publicKeyFromPrivate(clampPrivateKey(bytes), sodiumBackend);
    if (!isLowOrderPublicKey(pub)) return encodeKey(pub);
  }
  return createKey(tx, rg, name, node, rng, agent, nodeKeyKey(rg, name, node));
}

/**
 * Generate the node's key and write its key file; returns the base64 public key. While the agent publishes no key,
 * nothing refers to the file, so it is written fresh (Tx.writeFresh: in place, no fsync of its own — a new
 * 5,000-node cluster writes 5,000); a file whose key is published is replaced atomically.
 */
function createKey(tx: Tx, rg: string, name: string, node: string, rng: Rng, agent: AgentRecord | undefined, key: string): string {
  const priv = newNodeKey(rng, `${rg}/${name}/${node}/${agent?.keyGeneration ?? 0}`);
  if (agent && agent.publicKey === null) tx.writeFresh(key, priv);
  else tx.writeBytes(key, priv);
  if (agent) agent.keyGeneration++;
  return encodeKey(publicKeyFromPrivate(priv, sodiumBackend));
}

/**
 * Does the agent's published key still have its key file? A fresh key file can be missing or empty after a power
 * loss (see Tx.writeFresh); a legacy-layout file is moved. A size check only: files are never rewritten in place.
 */
function hasKeyFile(tx: Tx, rg: string, name: string, node: string, key: string): boolean {
  const size = tx.sizeOf(key);
  if (size !== undefined) return size === 32;
  return readKeyFile(tx, rg, name, node)?.length === 32;
}

/**
 * The warning for agents that started again with a new key because their key file was gone or empty (see syncCilium),
 * or undefined when there were none: a key that changes under the user's feet is said aloud, as Cilium logs it.
 */
export function rekeyedWarning(nodes: readonly string[]): string | undefined {
  if (nodes.length === 0) return undefined;
  const list = nodes.length > 5 ? `${nodes.slice(0, 5).join(', ')} and ${nodes.length - 5} more` : nodes.join(', ');
  const one = nodes.length === 1;
  return `The Cilium agent${one ? '' : 's'} on ${list} found no WireGuard key at ${WG_KEY_PATH} and generated a new one; ${one ? 'its' : 'their'} CiliumNode${one ? '' : 's'} now publish${one ? 'es' : ''} the new public key and the other nodes' peers follow.`;
}

/**
 * Bring the Cilium document in line with the cluster (in the transaction; writes it): one agent per node on a
 * Cilium cluster (none otherwise); removed nodes lose their agent and their filesystem (key file); new nodes come
 * up with WireGuard at once when the cluster has it; agents already running without it switch on by a rolling
 * restart (or at once); with WireGuard off every agent drops its key, cilium_wg0 and its peers (the key files stay,
 * as on a real node) and strict mode is turned off.
 */
export function syncCilium(tx: Tx, cluster: ClusterDoc, rng: Rng, options: SyncOptions = {}): SyncResult {
  const { resourceGroup: rg, name } = cluster.managedCluster;
  const cilium = loadCilium(tx, rg, name);
  const now = clusterNow(cluster);
  const present = new Set(cluster.nodes.map((n) => n.name));
  const added: string[] = [];
  const removed: string[] = [];
  const rekeyed: string[] = [];
  const keyOf = nodeKeyKeys(rg, name);
  for (const node of Object.keys(cilium.agents)) {
    if (present.has(node)) continue;
    delete cilium.agents[node];
    tx.delete(keyOf(node));
    tx.delete(legacyNodeRootKey(rg, name, node));
    removed.push(node);
  }
  if (!ciliumDataplane(cluster)) {
    for (const node of Object.keys(cilium.agents)) removed.push(node);
    cilium.agents = {};
    cilium.rollout = null;
    delete cilium.strictEgressCidr;
  }
  const wireguard = wireguardConfigured(cluster.managedCluster);
  if (cilium.rogue) readKeyFile(tx, rg, name, cilium.rogue.name); // moves a legacy-layout key file
  const switching: AgentRecord[] = [];
  if (ciliumDataplane(cluster)) {
    for (const n of cluster.nodes) {
      let agent = cilium.agents[n.name];
      if (!agent) {
        agent = { node: n.name, publicKey: null, wireguardSinceMs: null, restartedAtMs: now, generation: 1, keyGeneration: 0 };
        cilium.agents[n.name] = agent;
        added.push(n.name);
        if (wireguard) {
          // a new node's /var/run is empty: no key file to load
          agent.publicKey = createKey(tx, rg, name, n.name, rng, agent, keyOf(n.name));
          agent.wireguardSinceMs = now;
        }
      } else if (wireguard && agent.publicKey === null) {
        switching.push(agent);
      } else if (wireguard && !hasKeyFile(tx, rg, name, n.name, keyOf(n.name))) {
        // Cilium cannot load its key at start: it generates one and publishes it. Here the agent starts again now
        // (one still waiting for its turn in a rollout keeps its time).
        agent.publicKey = createKey(tx, rg, name, n.name, rng, agent, keyOf(n.name));
        if (agent.wireguardSinceMs === null || agent.wireguardSinceMs <= now) {
          agent.wireguardSinceMs = now;
          agent.restartedAtMs = now;
          agent.generation++;
        }
        rekeyed.push(n.name);
      } else if (!wireguard && agent.publicKey !== null) {
        agent.publicKey = null;
        agent.wireguardSinceMs = null;
        agent.restartedAtMs = now;
        agent.generation++;
      }
    }
  }
  let rollout: Rollout | null = null;
  if (switching.length > 0) {
    const rolling = (options.mode ?? 'rolling') === 'rolling';
    switching.forEach((agent, i) => {
      const at = rolling ? now + (i + 1) * AGENT_RESTART_INTERVAL_MS : now;
      agent.publicKey = loadOrCreateKey(tx, rg, name, agent.node, rng, agent);
      agent.wireguardSinceMs = at;
      agent.restartedAtMs = at;
      agent.generation++;
    });
    if (rolling) {
      rollout = {
        reason: 'enable-wireguard',
        startedAtMs: now,
        intervalMs: AGENT_RESTART_INTERVAL_MS,
        order: switching.map((a) => a.node),
        doneAtMs: now + switching.length * AGENT_RESTART_INTERVAL_MS,
      };
      cilium.rollout = rollout;
    }
  }
  if (!wireguard) {
    cilium.rollout = null;
    delete cilium.strictEgressCidr;
  }
  tx.write(ciliumDocKey(rg, name), cilium);
  return { cilium, rollout, added, removed, rekeyed };
}

/**
 * `node reimage`: the node comes back with an empty /var/run, so its agent generates a new key and publishes it;
 * every other agent replaces the old peer with one for the new key (all at once: no propagation delay is modelled).
 * Returns the new base64 public key, or null when the agent runs without WireGuard.
 */
export function reimageNode(tx: Tx, cluster: ClusterDoc, node: string, rng: Rng): { cilium: CiliumDoc; publicKey: string | null } {
  const { resourceGroup: rg, name } = cluster.managedCluster;
  const cilium = syncCilium(tx, cluster, rng, { mode: 'at-once' }).cilium;
  const now = clusterNow(cluster);
  tx.delete(nodeKeyKey(rg, name, node));
  tx.delete(legacyNodeRootKey(rg, name, node));
  const agent = cilium.agents[node];
  if (!agent) return { cilium, publicKey: null };
  agent.restartedAtMs = now;
  agent.generation++;
  if (agent.publicKey !== null) {
    agent.publicKey = loadOrCreateKey(tx, rg, name, node, rng, agent);
    agent.wireguardSinceMs = now;
  }
  tx.write(ciliumDocKey(rg, name), cilium);
  return { cilium, publicKey: agent.publicKey };
}

/**
 * Set or clear strict egress mode (''/undefined clears). Writes the document.
 * @throws RangeError when the CIDR is not an IPv4 CIDR.
 */
export function setStrictEgress(tx: Tx, cluster: ClusterDoc, cidr: string | undefined): CiliumDoc {
  const { resourceGroup: rg, name } = cluster.managedCluster;
  const cilium = loadCilium(tx, rg, name);
  if (cidr === undefined || cidr === '') delete cilium.strictEgressCidr;
  else {
    const c = parseCidr(cidr);
    cilium.strictEgressCidr = `${formatIPv4(c.base)}/${c.bits}`;
  }
  tx.write(ciliumDocKey(rg, name), cilium);
  return cilium;
}

/** Default name of the rogue machine. */
export const DEFAULT_ROGUE_NAME = 'rogue-vm';

/**
 * Attach the rogue machine: a fresh key of its own (stored like a node's key file) and the highest free address of
 * the node subnet (nodes are numbered from the bottom, so they do not collide). Replaces an earlier rogue.
 * @throws RangeError when the subnet has no free address, or the name is a node's.
 */
export function addRogue(tx: Tx, cluster: ClusterDoc, rogueName: string, rng: Rng): RogueRecord {
  const { resourceGroup: rg, name } = cluster.managedCluster;
  if (cluster.nodes.some((n) => n.name === rogueName)) throw new RangeError(`'${rogueName}' is the name of a node in the cluster`);
  const cilium = loadCilium(tx, rg, name);
  if (cilium.rogue) {
    tx.delete(nodeKeyKey(rg, name, cilium.rogue.name));
    tx.delete(legacyNodeRootKey(rg, name, cilium.rogue.name));
  }
  const subnet = parseCidr(cluster.nodeSubnet);
  const used = new Set(cluster.nodes.map((n) => parseIPv4(n.ip)));
  let ip = subnet.base + cidrSize(subnet) - 2;
  while (ip > subnet.base + 3 && used.has(ip)) ip--;
  if (ip <= subnet.base + 3 || !cidrContains(subnet, ip)) throw new RangeError(`node subnet ${cluster.nodeSubnet} has no free address`);
  const priv = newNodeKey(rng, `${rg}/${name}/${rogueName}/rogue`);
  tx.writeBytes(nodeKeyKey(rg, name, rogueName), priv);
  const rogue: RogueRecord = {
    name: rogueName,
    ip: formatIPv4(ip),
    publicKey: encodeKey(publicKeyFromPrivate(priv, sodiumBackend)),
    listenPort: WG_PORT,
    createdMs: clusterNow(cluster),
  };
  cilium.rogue = rogue;
  tx.write(ciliumDocKey(rg, name), cilium);
  return rogue;
}
