/**
 * The Cilium agents' documents in the state store, read side: the Cilium document (`<cluster dir>/cilium.json`) and
 * the agents' key files (`<cluster dir>/nodes/<node>.cilium_wg0.key`, raw 32 bytes, mode 0600, and the older
 * per-node-root layout they are moved from), their keys and loads. Kept apart from cilium.ts (the
 * writes through the key policy) so that a command that only reads, `cluster show` say, does not load the key policy
 * and the crypto under it.
 */
import type { ClusterDoc } from '../cluster/doc.js';
import { emptyCilium, WG_KEY_PATH, type CiliumDoc } from '../cilium/agents.js';
import type { ShapeCheck, Tx } from '../state/store.js';
import { clusterDirKey } from './cluster.js';

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

/** Stage the Cilium document. */
export function writeCilium(tx: Tx, cluster: ClusterDoc, cilium: CiliumDoc): void {
  tx.write(ciliumDocKey(cluster.managedCluster.resourceGroup, cluster.managedCluster.name), cilium);
}
