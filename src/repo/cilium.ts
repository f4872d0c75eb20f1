/**
 * The Cilium agents' documents in the state store: the Cilium document (`<cluster dir>/cilium.json`), the agents' key
 * files (`<cluster dir>/nodes/<node>.cilium_wg0.key`, raw 32 bytes, mode 0600, and the older per-node-root layout they
 * are moved from), their load, and the one place the agents' changes are stored. cilium/ decides (cilium/sync.ts,
 * cilium/update.ts) and returns key writes; these functions read what it needs, then stage its Cilium document and its
 * key writes in the caller's transaction, so the cluster, its agents and their keys commit together or not at all.
 */
import type { ClusterDoc } from '../cluster/doc.js';
import { agentStates, type CiliumAgentView } from '../cilium/ciliumnode.js';
import { emptyCilium, WG_KEY_PATH, type CiliumDoc, type RogueRecord } from '../cilium/agents.js';
import { attachRogue, reimageAgent, strictEgress, syncAgents, type KeyFiles, type KeyWrite, type SyncOptions, type SyncResult } from '../cilium/sync.js';
import { planAgentUpdate, type StrictModeChange, type UpdateAgentsOptions } from '../cilium/update.js';
import type { Rng } from '../platform/types.js';
import type { ShapeCheck, Store, Tx } from '../state/store.js';
import { clusterDirKey, writeCluster } from './cluster.js';
import { loadImported } from './imported.js';

/** The Cilium document's key. */
export function ciliumDocKey(resourceGroup: string, name: string): string {
  return `${clusterDirKey(resourceGroup, name)}/cilium.json`;
}

/**
 * The key of a node's (or the rogue machine's) agent key file, its `/var/run/cilium/state/cilium_wg0.key`:
 * `<cluster dir>/nodes/<node>.cilium_wg0.key`. One flat directory for every node, so a new node costs one file and
 * no directories (the node's root with var/run/cilium/state cost five, which was most of a 5,000-node create).
 */
export function nodeKeyKey(resourceGroup: string, name: string, node: string): string {
  return nodeKeyKeys(resourceGroup, name)(node);
}

/** nodeKeyKey for many nodes of one cluster (the cluster's names checked once). */
export function nodeKeyKeys(resourceGroup: string, name: string): (node: string) => string {
  const dir = `${clusterDirKey(resourceGroup, name)}/nodes/`;
  return (node) => `${dir}${nodeSegment(node)}.${WG_KEY_FILE}`;
}

/** The key file's name in WG_KEY_PATH. */
const WG_KEY_FILE = WG_KEY_PATH.slice(WG_KEY_PATH.lastIndexOf('/') + 1);

function nodeSegment(node: string): string {
  return encodeURIComponent(node).replace(/^\./, '%2E');
}

/**
 * Where aks-wg before the flat layout kept a node's filesystem root (`<cluster dir>/nodes/<node>`, the key file at
 * WG_KEY_PATH under it). Read as a fallback; the next change to the cluster moves the key and removes the root.
 */
export function legacyNodeRootKey(resourceGroup: string, name: string, node: string): string {
  return `${clusterDirKey(resourceGroup, name)}/nodes/${nodeSegment(node)}`;
}

export function legacyNodeKeyKey(resourceGroup: string, name: string, node: string): string {
  return `${legacyNodeRootKey(resourceGroup, name, node)}${WG_KEY_PATH}`;
}

const checkCilium: ShapeCheck = (data) => {
  const d = data as Partial<CiliumDoc> | null;
  if (!d || typeof d !== 'object') return 'the document is not an object';
  if (!d.agents || typeof d.agents !== 'object') return '"agents" is missing';
  return undefined;
};

/** Anything documents can be read from: the Store (no lock) or a Tx. */
export interface DocSource {
  read<T>(key: string, check?: ShapeCheck): T | undefined;
}
export interface BytesSource {
  readBytes(key: string): Uint8Array | undefined;
}

/** The cluster's Cilium document (empty when none was written yet). @throws StateError when it is corrupt. */
export function loadCilium(src: DocSource, resourceGroup: string, name: string): CiliumDoc {
  return src.read<CiliumDoc>(ciliumDocKey(resourceGroup, name), checkCilium) ?? emptyCilium();
}

/**
 * A reader of agents' key files for wireguardConfigs' `readKey` (falling back to the legacy layout). A key file that
 * is empty — possible after a power loss, see Tx.writeFresh — comes back empty: that agent has no key.
 */
export function keyReader(src: BytesSource, resourceGroup: string, name: string): (node: string) => Uint8Array | undefined {
  return (node) => src.readBytes(nodeKeyKey(resourceGroup, name, node)) ?? src.readBytes(legacyNodeKeyKey(resourceGroup, name, node));
}

/**
 * The key files of one cluster inside a mutation, as the key policy reads them. A key found only in the legacy layout
 * is moved to the flat one in the same transaction (written there, its old root removed), as soon as it is read.
 */
class TxKeyFiles implements KeyFiles {
  private readonly keyOf: (node: string) => string;

  constructor(
    private readonly tx: Tx,
    private readonly rg: string,
    private readonly name: string,
  ) {
    this.keyOf = nodeKeyKeys(rg, name);
  }

  read(machine: string): Uint8Array | undefined {
    const key = this.keyOf(machine);
    const bytes = this.tx.readBytes(key);
    if (bytes !== undefined) return bytes;
    const legacy = this.tx.readBytes(legacyNodeKeyKey(this.rg, this.name, machine));
    if (legacy === undefined) return undefined;
    this.tx.writeBytes(key, legacy);
    this.tx.delete(legacyNodeRootKey(this.rg, this.name, machine));
    return legacy;
  }

  size(machine: string): number | undefined {
    const size = this.tx.sizeOf(this.keyOf(machine));
    if (size !== undefined) return size;
    return this.read(machine)?.length;
  }

  /** Stage the key policy's writes, in order: a write replaces the file (or writes it fresh); a delete removes it and any legacy root. */
  apply(writes: readonly KeyWrite[]): void {
    for (const w of writes) {
      const key = this.keyOf(w.machine);
      if (w.bytes === null) {
        this.tx.delete(key);
        this.tx.delete(legacyNodeRootKey(this.rg, this.name, w.machine));
      } else if (w.fresh) this.tx.writeFresh(key, w.bytes);
      else this.tx.writeBytes(key, w.bytes);
    }
  }
}

/** Stage the Cilium document. */
export function writeCilium(tx: Tx, cluster: ClusterDoc, cilium: CiliumDoc): void {
  tx.write(ciliumDocKey(cluster.managedCluster.resourceGroup, cluster.managedCluster.name), cilium);
}

function keyFiles(tx: Tx, cluster: ClusterDoc): TxKeyFiles {
  return new TxKeyFiles(tx, cluster.managedCluster.resourceGroup, cluster.managedCluster.name);
}

/**
 * Bring the agents in line with the cluster (cilium/sync.ts syncAgents) and stage the Cilium document and the key
 * files in the transaction. A rogue machine's key file kept in the legacy layout is moved. Returns what changed,
 * without the key writes.
 */
export function syncCilium(tx: Tx, cluster: ClusterDoc, rng: Rng, options: SyncOptions = {}): Omit<SyncResult, 'keyWrites'> {
  const { resourceGroup: rg, name } = cluster.managedCluster;
  const cilium = loadCilium(tx, rg, name);
  const keys = keyFiles(tx, cluster);
  if (cilium.rogue) keys.read(cilium.rogue.name); // moves a legacy-layout key file
  // the key writes (private keys) stay here: staged, never handed up to a command that might print its result
  const { keyWrites, ...result } = syncAgents(cluster, cilium, keys, rng, options);
  keys.apply(keyWrites);
  writeCilium(tx, cluster, cilium);
  return result;
}

/** `node reimage` (cilium/sync.ts reimageAgent), staged. Returns the new base64 public key, or null without WireGuard. */
export function reimageNode(tx: Tx, cluster: ClusterDoc, node: string, rng: Rng): { cilium: CiliumDoc; publicKey: string | null } {
  const { resourceGroup: rg, name } = cluster.managedCluster;
  const cilium = loadCilium(tx, rg, name);
  const keys = keyFiles(tx, cluster);
  if (cilium.rogue) keys.read(cilium.rogue.name); // moves a legacy-layout key file, as every sync does
  const result = reimageAgent(cluster, cilium, keys, node, rng);
  keys.apply(result.keyWrites);
  writeCilium(tx, cluster, cilium);
  return { cilium, publicKey: result.publicKey };
}

/**
 * Set or clear strict egress mode (''/undefined clears), staged.
 * @throws RangeError when the CIDR is not an IPv4 CIDR.
 */
export function setStrictEgress(tx: Tx, cluster: ClusterDoc, cidr: string | undefined): CiliumDoc {
  const cilium = strictEgress(loadCilium(tx, cluster.managedCluster.resourceGroup, cluster.managedCluster.name), cidr);
  writeCilium(tx, cluster, cilium);
  return cilium;
}

/**
 * Attach the rogue machine (cilium/sync.ts attachRogue), staged: its key file and the Cilium document.
 * @throws RangeError when the subnet has no free address, or the name is a node's.
 */
export function addRogue(tx: Tx, cluster: ClusterDoc, rogueName: string, rng: Rng): RogueRecord {
  const cilium = loadCilium(tx, cluster.managedCluster.resourceGroup, cluster.managedCluster.name);
  const { rogue, keyWrites } = attachRogue(cluster, cilium, rogueName, rng);
  keyFiles(tx, cluster).apply(keyWrites);
  writeCilium(tx, cluster, cilium);
  return rogue;
}

/**
 * `cluster update`'s agents (cilium/update.ts planAgentUpdate), staged: the Cilium document, the key files, and the
 * cluster document again when a rollout moved its clock.
 * @throws ValidationError when strict mode is asked for on a cluster without WireGuard.
 */
export function updateAgents(tx: Tx, doc: ClusterDoc, strictEgressCidr: string | undefined, options: UpdateAgentsOptions): StrictModeChange {
  const cilium = loadCilium(tx, doc.managedCluster.resourceGroup, doc.managedCluster.name);
  const keys = keyFiles(tx, doc);
  if (cilium.rogue) keys.read(cilium.rogue.name); // moves a legacy-layout key file, as every sync does
  const update = planAgentUpdate(doc, cilium, keys, strictEgressCidr, options);
  keys.apply(update.keyWrites);
  writeCilium(tx, doc, cilium);
  if (update.clusterChanged) writeCluster(tx, doc);
  return update.strict;
}

/**
 * The agent state of each node at the cluster's simulated time (cilium/ciliumnode.ts agentStates), read from the
 * Cilium document and, for an imported cluster, its imported-keys document. Only public keys leave the agent.
 */
export function agentStatesFor(store: Store, doc: ClusterDoc): Map<string, CiliumAgentView> {
  const { resourceGroup: rg, name } = doc.managedCluster;
  return agentStates(doc, loadCilium(store, rg, name), loadImported(store, rg, name));
}
