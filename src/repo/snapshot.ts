/**
 * One consistent read of everything the agents' views need, without a lock: the cluster, its workloads, its Cilium
 * document, a key reader and the cluster's simulated time.
 */
import { clusterNow } from '../cluster/clock.js';
import type { ClusterDoc } from '../cluster/doc.js';
import { wireguardConfigs, type CiliumSnapshot, type WireGuardInput, type WireGuardNodeConfig } from '../cilium/agents.js';
import type { PeerStats } from '../cilium/views.js';
import type { Store } from '../state/store.js';
import { keyReader, loadCilium } from './cilium-doc.js';
import { loadCluster } from './cluster.js';
import { loadWorkloads } from './workloads.js';

export type { CiliumSnapshot };

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

/**
 * Per-peer counters of a node's cilium_wg0 from the sessions the fabric saved after its last run (transfer and latest
 * handshake, as `wg show` prints them); nothing when there are none, or they belong to an earlier key of the node.
 * Only counters are read out; the session keys stay in the document.
 */
export async function sessionStats(
  store: Store,
  cluster: ClusterDoc,
  node: string,
  publicKey: string,
): Promise<(peerPublicKey: string) => PeerStats | undefined> {
  const { sessionsKey } = await import('./sessions.js');
  const { isDeviceSnapshot, SNAPSHOT_VERSION, unpackPeer } = await import('../fabric/device-snapshot.js');
  let saved: { nodes?: Record<string, unknown> } | undefined;
  try {
    saved = store.read<{ nodes?: Record<string, unknown> }>(sessionsKey(cluster));
  } catch {
    saved = undefined;
  }
  const device = saved?.nodes?.[node];
  if (!isDeviceSnapshot(device) || device.version !== SNAPSHOT_VERSION || device.publicKey !== publicKey) return () => undefined;
  return (peer) => {
    const packed = device.peers[peer];
    let p;
    try {
      p = typeof packed === 'string' ? unpackPeer(peer, packed) : undefined;
    } catch {
      // a damaged record shows no counters, as a missing one does
      p = undefined;
    }
    if (!p) return undefined;
    return { rxBytes: p.rxBytes, txBytes: p.txBytes, ...(p.lastHandshakeAt !== undefined ? { lastHandshakeAt: p.lastHandshakeAt } : {}) };
  };
}
