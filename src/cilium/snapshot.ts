/**
 * One consistent read of everything the agents' views need, without a lock: the cluster, its workloads, its Cilium
 * document, a key reader and the cluster's simulated time.
 */
import { clusterNow } from '../cluster/clock.js';
import type { ClusterDoc } from '../cluster/doc.js';
import { loadCluster } from '../cluster/repo.js';
import { loadWorkloads } from '../cluster/workloads-store.js';
import type { Store } from '../state/store.js';
import { keyReader, loadCilium, wireguardConfigs, type WireGuardInput, type WireGuardNodeConfig } from './agents.js';

export interface CiliumSnapshot extends WireGuardInput {
  now: number;
  /** Every node's cilium_wg0 configuration now. */
  configs(): Map<string, WireGuardNodeConfig | null>;
}

/** @throws ResourceNotFoundError, StateError */
export function loadSnapshot(store: Store, resourceGroup: string, name: string, cluster?: ClusterDoc): CiliumSnapshot {
  const doc = cluster ?? loadCluster(store, resourceGroup, name);
  const { resourceGroup: rg, name: n } = doc.managedCluster;
  const input: WireGuardInput = {
    cluster: doc,
    workloads: loadWorkloads(store, doc),
    cilium: loadCilium(store, rg, n),
    readKey: keyReader(store, rg, n),
  };
  const now = clusterNow(doc);
  let cached: Map<string, WireGuardNodeConfig | null> | undefined;
  return { ...input, now, configs: () => (cached ??= wireguardConfigs(input, now)) };
}
