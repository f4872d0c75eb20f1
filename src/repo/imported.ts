/**
 * The imported-keys document of a cluster built by `cluster import` (cluster/imported.ts holds its shape): its key,
 * beside the cluster's workloads and removed with the cluster, and its load.
 */
import type { ImportedDoc } from '../cluster/imported.js';
import type { Tx } from '../state/store.js';
import { clusterDirKey } from './cluster.js';

/** Where the imported-keys document lives: beside the cluster's workloads, removed with the cluster. */
export function importedKey(resourceGroup: string, name: string): string {
  return `${clusterDirKey(resourceGroup, name)}/imported.json`;
}

/** Stage the imported-keys document of a cluster. */
export function writeImported(tx: Tx, resourceGroup: string, name: string, doc: ImportedDoc): void {
  tx.write(importedKey(resourceGroup, name), doc);
}

/** The imported-keys document of a cluster, or undefined for clusters that were not imported. */
export function loadImported(src: { read<T>(key: string, check?: (d: unknown) => string | undefined): T | undefined }, resourceGroup: string, name: string): ImportedDoc | undefined {
  return src.read<ImportedDoc>(importedKey(resourceGroup, name), (d) =>
    d && typeof d === 'object' && typeof (d as ImportedDoc).nodes === 'object' ? undefined : '"nodes" is missing',
  );
}
