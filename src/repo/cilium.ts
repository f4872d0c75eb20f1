/**
 * The one place the Cilium agents' changes are stored (their documents' keys and loads are cilium-doc.ts, which
 * commands that only read load without the key policy). cilium/ decides (cilium/sync.ts,
 * cilium/update.ts) and returns key writes; these functions read what it needs, then stage its Cilium document and its
 * key writes in the caller's transaction, so the cluster, its agents and their keys commit together or not at all.
 */
import type { ClusterDoc } from '../cluster/doc.js';
import type { CiliumDoc, RogueRecord } from '../cilium/agents.js';
import { attachRogue, reimageAgent, strictEgress, syncAgents, type KeyFiles, type KeyWrite, type SyncOptions, type SyncResult } from '../cilium/sync.js';
import { planAgentUpdate, type StrictModeChange, type UpdateAgentsOptions } from '../cilium/update.js';
import type { Rng } from '../platform/types.js';
import type { Tx } from '../state/store.js';
import { writeCluster } from './cluster.js';
import { legacyNodeKeyKey, legacyNodeRootKey, loadCilium, nodeKeyKeys, writeCilium } from './cilium-doc.js';

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
