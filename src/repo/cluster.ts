/**
 * Finding, reading and changing one cluster's document in the state store (`clusters/<rg>/<name>.json`, and the
 * directory beside it that holds the cluster's other documents and key files), with ARM's not-found error.
 */
import { validateClusterName, validateResourceGroupName } from '../aks/validators.js';
import { ResourceNotFoundError, StateError } from '../errors.js';
import type { Env } from '../platform/env.js';
import { keySegment, Store, type Tx } from '../state/store.js';
import type { ClusterDoc } from '../cluster/doc.js';

export function clusterDocKey(resourceGroup: string, name: string): string {
  validateResourceGroupName(resourceGroup);
  validateClusterName(name);
  return `clusters/${keySegment(resourceGroup.toLowerCase())}/${keySegment(name.toLowerCase())}.json`;
}

/** The directory holding a cluster's other files (node key files), removed with the cluster. */
export function clusterDirKey(resourceGroup: string, name: string): string {
  validateResourceGroupName(resourceGroup);
  validateClusterName(name);
  return `clusters/${keySegment(resourceGroup.toLowerCase())}/${keySegment(name.toLowerCase())}`;
}

function checkShape(data: unknown): string | undefined {
  const d = data as Partial<ClusterDoc> | null;
  if (!d || typeof d !== 'object') return 'the document is not an object';
  if (!d.managedCluster || typeof d.managedCluster !== 'object') return '"managedCluster" is missing';
  if (!Array.isArray(d.nodes)) return '"nodes" is not an array';
  return undefined;
}

export function clusterNotFound(resourceGroup: string, name: string): ResourceNotFoundError {
  return new ResourceNotFoundError(
    `The Resource 'Microsoft.ContainerService/managedClusters/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export function openStore(env: Env): Store {
  return new Store(env);
}

/** Read a cluster without a lock. @throws ResourceNotFoundError, StateError */
export function loadCluster(store: Store, resourceGroup: string, name: string): ClusterDoc {
  const doc = store.read<ClusterDoc>(clusterDocKey(resourceGroup, name), checkShape);
  if (!doc) throw clusterNotFound(resourceGroup, name);
  return doc;
}

/** Read a cluster inside a mutation. @throws ResourceNotFoundError, StateError */
export function readCluster(tx: Tx, resourceGroup: string, name: string): ClusterDoc {
  const doc = tx.read<ClusterDoc>(clusterDocKey(resourceGroup, name), checkShape);
  if (!doc) throw clusterNotFound(resourceGroup, name);
  return doc;
}

export function tryReadCluster(tx: Tx, resourceGroup: string, name: string): ClusterDoc | undefined {
  return tx.read<ClusterDoc>(clusterDocKey(resourceGroup, name), checkShape);
}

export function writeCluster(tx: Tx, doc: ClusterDoc): void {
  const mc = doc.managedCluster;
  tx.write(clusterDocKey(mc.resourceGroup, mc.name), doc);
}

/** Stage the removal of a cluster: its document and its directory (workloads, agents, key files, sessions). */
export function deleteCluster(tx: Tx, resourceGroup: string, name: string): void {
  tx.delete(clusterDocKey(resourceGroup, name));
  tx.delete(clusterDirKey(resourceGroup, name));
}

/**
 * Every cluster (of one resource group). A document that cannot be read goes to `onUnreadable` and is skipped, so
 * one corrupt file does not hide the others; without `onUnreadable` its StateError is thrown.
 */
export function listClusters(store: Store, resourceGroup?: string, onUnreadable?: (error: StateError) => void): ClusterDoc[] {
  if (resourceGroup !== undefined) validateResourceGroupName(resourceGroup);
  const prefix = resourceGroup === undefined ? 'clusters' : `clusters/${keySegment(resourceGroup.toLowerCase())}`;
  const docs: ClusterDoc[] = [];
  for (const k of store.list(prefix)) {
    if (!k.endsWith('.json') || k.split('/').length !== 3) continue;
    try {
      const doc = store.read<ClusterDoc>(k, checkShape);
      if (doc) docs.push(doc);
    } catch (e) {
      if (!(e instanceof StateError) || !onUnreadable) throw e;
      onUnreadable(e);
    }
  }
  return docs;
}
