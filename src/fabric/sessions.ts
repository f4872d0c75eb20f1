/**
 * The nodes' WireGuard sessions between commands: one document per cluster, `<cluster dir>/fabric/sessions.json`
 * (mode 0600 like every state file: it holds session keys), written after each run and read before the next, so a
 * later `traffic inspect` continues the same sessions on the same simulated clock. Only sessions whose device
 * still has the same key come back (wireguard/snapshot.ts); a reimaged node starts afresh.
 */
import type { ClusterDoc } from '../cluster/doc.js';
import { clusterDirKey } from '../cluster/repo.js';
import type { Store, Tx } from '../state/store.js';
import { restoreDevice, snapshotDevice, type DeviceSnapshot } from '../wireguard/snapshot.js';
import type { Fabric } from './fabric.js';

export interface SessionsDoc {
  /** Node name → its cilium_wg0's sessions. */
  nodes: Record<string, DeviceSnapshot>;
}

export function sessionsKey(doc: ClusterDoc): string {
  return `${clusterDirKey(doc.managedCluster.resourceGroup, doc.managedCluster.name)}/fabric/sessions.json`;
}

const check = (data: unknown): string | undefined => {
  const d = data as Partial<SessionsDoc> | null;
  return d && typeof d === 'object' && d.nodes && typeof d.nodes === 'object' ? undefined : '"nodes" is missing';
};

/** Restore the saved sessions onto the fabric's devices; returns how many peers got theirs back. @throws StateError */
export function loadSessions(store: Store, doc: ClusterDoc, fabric: Fabric): number {
  const saved = store.read<SessionsDoc>(sessionsKey(doc), check);
  if (!saved) return 0;
  let restored = 0;
  for (const [node, device] of fabric.nodeDevices()) {
    const snap = saved.nodes[node];
    if (!snap) continue;
    try {
      fabric.materializePeers(node, (snap.peers ?? []).map((p) => p.publicKey));
      restored += restoreDevice(device, snap);
    } catch {
      // a damaged snapshot only costs new handshakes
    }
  }
  return restored;
}

/** Stage the fabric's sessions (or the removal of the document when no node runs WireGuard). */
export function saveSessions(tx: Tx, doc: ClusterDoc, fabric: Fabric): void {
  const devices = fabric.nodeDevices();
  const live = new Set(doc.nodes.map((n) => n.name));
  if (devices.size === 0) {
    tx.delete(sessionsKey(doc));
    return;
  }
  const nodes: Record<string, DeviceSnapshot> = {};
  for (const [node, device] of devices) if (live.has(node)) nodes[node] = snapshotDevice(device);
  tx.write(sessionsKey(doc), { nodes } satisfies SessionsDoc);
}
