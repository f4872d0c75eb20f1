/**
 * Changing the Cilium agents, pure: keeping one agent per node, the agents' key policy (load each node's key file or
 * generate one, rotate it on reimage), rolling restarts, strict mode and the rogue machine. Each function receives the
 * documents and a read-only view of the key files, changes the Cilium document it was given, and returns the key
 * files to write or delete (KeyWrite) instead of writing them: the repo layer (repo/cilium.ts) stages the documents
 * and the key writes in one transaction, so the cluster, its agents and their keys always change together, and a
 * killed command leaves no half-written state. Private keys travel only inside KeyWrite, never into a message.
 */
import { wireguardConfigured } from '../aks/model.js';
import { clusterNow } from '../cluster/clock.js';
import type { ClusterDoc } from '../cluster/doc.js';
import { cidrContains, cidrSize, formatIPv4, parseCidr, parseIPv4 } from '../net/ip.js';
import type { Rng } from '../platform/types.js';
import { sodiumBackend } from '../wg-host/sodium-backend.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { clampPrivateKey, encodeKey, isLowOrderPublicKey, publicKeyFromPrivate, type PrivateKey } from '../wireguard/keys.js';
import {
  AGENT_RESTART_INTERVAL_MS,
  ciliumDataplane,
  WG_KEY_PATH,
  WG_PORT,
  type AgentRecord,
  type CiliumDoc,
  type RogueRecord,
  type Rollout,
} from './agents.js';

/** The agents' key files as the key policy sees them: read-only (the repo layer answers from the store). */
export interface KeyFiles {
  /** The machine's key file, raw 32 bytes when intact; undefined when there is none. */
  read(machine: string): Uint8Array | undefined;
  /** The size of its key file, undefined when there is none (a cheaper check than read). */
  size(machine: string): number | undefined;
}

/**
 * A key file to write or delete, for a node or the rogue machine. `fresh`: nothing refers to the key yet (the agent
 * publishes none), so it may be written in place without an fsync of its own (Tx.writeFresh); otherwise it replaces
 * the file atomically. The bytes are a private key: they go into a 0600 state file and nowhere else.
 */
export type KeyWrite = { readonly machine: string; readonly bytes: Uint8Array; readonly fresh: boolean } | { readonly machine: string; readonly bytes: null };

export interface SyncOptions {
  /**
   * How agents that already run switch WireGuard on: 'rolling' (default) restarts them one by one, each
   * AGENT_RESTART_INTERVAL_MS after the previous; 'at-once' switches them all now.
   */
  mode?: 'rolling' | 'at-once';
}

export interface SyncResult {
  cilium: CiliumDoc;
  /** The key files to write and delete, in order (a later entry for a machine wins). */
  keyWrites: KeyWrite[];
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
/** The label a cluster's keys are bound to: `rg/name` as the user typed them. */
function clusterLabel(cluster: ClusterDoc): string {
  return `${cluster.managedCluster.resourceGroup}/${cluster.managedCluster.name}`;
}

function newNodeKey(rng: Rng, label: string): PrivateKey {
  const random = rng.bytes(32);
  const tag = new TextEncoder().encode(label);
  const input = new Uint8Array(random.length + tag.length);
  input.set(random);
  input.set(tag, random.length);
  return clampPrivateKey(sha256(input));
}

/**
 * The node's key, as the agent does it at start: load the key file, or generate a clamped X25519 key and write it
 * (raw 32 bytes, mode 0600: appended to `writes`). A file that is not 32 bytes, or whose public key is of low order, is
 * replaced. `label` names the cluster (`rg/name`). Returns the base64 public key.
 */
function loadOrCreateKey(keys: KeyFiles, writes: KeyWrite[], label: string, node: string, rng: Rng, agent?: AgentRecord): string {
  const bytes = keys.read(node);
  if (bytes && bytes.length === 32) {
    const pub = publicKeyFromPrivate(clampPrivateKey(bytes), sodiumBackend);
    if (!isLowOrderPublicKey(pub)) return encodeKey(pub);
  }
  return createKey(writes, label, node, rng, agent);
}

/**
 * Generate the node's key and its key file's write; returns the base64 public key. While the agent publishes no key,
 * nothing refers to the file, so it is written fresh (Tx.writeFresh: in place, no fsync of its own — a new
 * 5,000-node cluster writes 5,000); a file whose key is published is replaced atomically.
 */
function createKey(writes: KeyWrite[], label: string, node: string, rng: Rng, agent: AgentRecord | undefined): string {
  const priv = newNodeKey(rng, `${label}/${node}/${agent?.keyGeneration ?? 0}`);
  writes.push({ machine: node, bytes: priv, fresh: agent !== undefined && agent.publicKey === null });
  if (agent) agent.keyGeneration++;
  return encodeKey(publicKeyFromPrivate(priv, sodiumBackend));
}

/**
 * Does the agent's published key still have its key file? A fresh key file can be missing or empty after a power
 * loss (see Tx.writeFresh). A size check only: files are never rewritten in place.
 */
function hasKeyFile(keys: KeyFiles, node: string): boolean {
  return keys.size(node) === 32;
}

/**
 * The warning for agents that started again with a new key because their key file was gone or empty (see syncAgents),
 * or undefined when there were none: a key that changes under the user's feet is said aloud, as Cilium logs it.
 */
export function rekeyedWarning(nodes: readonly string[]): string | undefined {
  if (nodes.length === 0) return undefined;
  const list = nodes.length > 5 ? `${nodes.slice(0, 5).join(', ')} and ${nodes.length - 5} more` : nodes.join(', ');
  const one = nodes.length === 1;
  return `The Cilium agent${one ? '' : 's'} on ${list} found no WireGuard key at ${WG_KEY_PATH} and generated a new one; ${one ? 'its' : 'their'} CiliumNode${one ? '' : 's'} now publish${one ? 'es' : ''} the new public key and the other nodes' peers follow.`;
}

/**
 * Bring the Cilium document in line with the cluster (changing `cilium`, which the caller then stores): one agent per node on a
 * Cilium cluster (none otherwise); removed nodes lose their agent and their filesystem (key file); new nodes come
 * up with WireGuard at once when the cluster has it; agents already running without it switch on by a rolling
 * restart (or at once); with WireGuard off every agent drops its key, cilium_wg0 and its peers (the key files stay,
 * as on a real node) and strict mode is turned off.
 */
export function syncAgents(cluster: ClusterDoc, cilium: CiliumDoc, keys: KeyFiles, rng: Rng, options: SyncOptions = {}): SyncResult {
  const label = clusterLabel(cluster);
  const keyWrites: KeyWrite[] = [];
  const now = clusterNow(cluster);
  const present = new Set(cluster.nodes.map((n) => n.name));
  const added: string[] = [];
  const removed: string[] = [];
  const rekeyed: string[] = [];
  for (const node of Object.keys(cilium.agents)) {
    if (present.has(node)) continue;
    delete cilium.agents[node];
    keyWrites.push({ machine: node, bytes: null });
    removed.push(node);
  }
  if (!ciliumDataplane(cluster)) {
    for (const node of Object.keys(cilium.agents)) removed.push(node);
    cilium.agents = {};
    cilium.rollout = null;
    delete cilium.strictEgressCidr;
  }
  const wireguard = wireguardConfigured(cluster.managedCluster);
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
          agent.publicKey = createKey(keyWrites, label, n.name, rng, agent);
          agent.wireguardSinceMs = now;
        }
      } else if (wireguard && agent.publicKey === null) {
        switching.push(agent);
      } else if (wireguard && !hasKeyFile(keys, n.name)) {
        // Cilium cannot load its key at start: it generates one and publishes it. Here the agent starts again now
        // (one still waiting for its turn in a rollout keeps its time).
        agent.publicKey = createKey(keyWrites, label, n.name, rng, agent);
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
      agent.publicKey = loadOrCreateKey(keys, keyWrites, label, agent.node, rng, agent);
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
  return { cilium, keyWrites, rollout, added, removed, rekeyed };
}

/**
 * `node reimage`: the node comes back with an empty /var/run, so its agent generates a new key and publishes it;
 * every other agent replaces the old peer with one for the new key (all at once: no propagation delay is modelled).
 * Returns the new base64 public key, or null when the agent runs without WireGuard.
 */
export function reimageAgent(
  cluster: ClusterDoc,
  cilium: CiliumDoc,
  keys: KeyFiles,
  node: string,
  rng: Rng,
): { cilium: CiliumDoc; keyWrites: KeyWrite[]; publicKey: string | null } {
  const { keyWrites } = syncAgents(cluster, cilium, keys, rng, { mode: 'at-once' });
  const now = clusterNow(cluster);
  // the node's /var/run is empty again: its key file is gone, and the agent can only generate a new one
  keyWrites.push({ machine: node, bytes: null });
  const agent = cilium.agents[node];
  if (!agent) return { cilium, keyWrites, publicKey: null };
  agent.restartedAtMs = now;
  agent.generation++;
  if (agent.publicKey !== null) {
    agent.publicKey = createKey(keyWrites, clusterLabel(cluster), node, rng, agent);
    agent.wireguardSinceMs = now;
  }
  return { cilium, keyWrites, publicKey: agent.publicKey };
}

/**
 * Set or clear strict egress mode (''/undefined clears) in the Cilium document.
 * @throws RangeError when the CIDR is not an IPv4 CIDR.
 */
export function strictEgress(cilium: CiliumDoc, cidr: string | undefined): CiliumDoc {
  if (cidr === undefined || cidr === '') delete cilium.strictEgressCidr;
  else {
    const c = parseCidr(cidr);
    cilium.strictEgressCidr = `${formatIPv4(c.base)}/${c.bits}`;
  }
  return cilium;
}

/** Default name of the rogue machine. */
export const DEFAULT_ROGUE_NAME = 'rogue-vm';

/**
 * Attach the rogue machine: a fresh key of its own (stored like a node's key file) and the highest free address of
 * the node subnet (nodes are numbered from the bottom, so they do not collide). Replaces an earlier rogue.
 * @throws RangeError when the subnet has no free address, or the name is a node's.
 */
export function attachRogue(cluster: ClusterDoc, cilium: CiliumDoc, rogueName: string, rng: Rng): { rogue: RogueRecord; keyWrites: KeyWrite[] } {
  if (cluster.nodes.some((n) => n.name === rogueName)) throw new RangeError(`'${rogueName}' is the name of a node in the cluster`);
  const keyWrites: KeyWrite[] = [];
  if (cilium.rogue) keyWrites.push({ machine: cilium.rogue.name, bytes: null });
  const subnet = parseCidr(cluster.nodeSubnet);
  const used = new Set(cluster.nodes.map((n) => parseIPv4(n.ip)));
  let ip = subnet.base + cidrSize(subnet) - 2;
  while (ip > subnet.base + 3 && used.has(ip)) ip--;
  if (ip <= subnet.base + 3 || !cidrContains(subnet, ip)) throw new RangeError(`node subnet ${cluster.nodeSubnet} has no free address`);
  const priv = newNodeKey(rng, `${clusterLabel(cluster)}/${rogueName}/rogue`);
  keyWrites.push({ machine: rogueName, bytes: priv, fresh: false });
  const rogue: RogueRecord = {
    name: rogueName,
    ip: formatIPv4(ip),
    publicKey: encodeKey(publicKeyFromPrivate(priv, sodiumBackend)),
    listenPort: WG_PORT,
    createdMs: clusterNow(cluster),
  };
  cilium.rogue = rogue;
  return { rogue, keyWrites };
}
