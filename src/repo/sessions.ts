/**
 * The nodes' WireGuard sessions between commands: one document per cluster, `<cluster dir>/fabric/sessions.json`
 * (mode 0600 like every state file: it holds session keys), written after each run and read before the next, so a
 * later `traffic inspect` continues the same sessions on the same simulated clock. Only sessions whose device
 * still has the same key come back (fabric/device-snapshot.ts); a reimaged node starts afresh.
 */
import type { ClusterDoc } from '../cluster/doc.js';
import type { Fabric } from '../fabric/fabric.js';
import type { Store, Tx } from '../state/store.js';
import { isDeviceSnapshot, type DeviceSnapshot } from '../fabric/device-snapshot.js';
import { clusterDirKey } from './cluster.js';

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

/**
 * Hand the saved sessions to the fabric; each peer's come back when it is first used (so a 100-node cluster does
 * not rebuild 9,900 peers to send a dozen flows). Returns the number of nodes whose sessions matched. @throws StateError
 */
export function loadSessions(store: Store, doc: ClusterDoc, fabric: Fabric): number {
  const saved = store.read<SessionsDoc>(sessionsKey(doc), check);
  if (!saved) return 0;
  let nodes = 0;
  for (const n of doc.nodes) {
    const snap = saved.nodes[n.name];
    if (!isDeviceSnapshot(snap)) continue;
    fabric.restoreSessions(n.name, snap);
    nodes++;
  }
  return nodes;
}

/** Stage the fabric's sessions (or the removal of the document when no node has any). */
export function saveSessions(tx: Tx, doc: ClusterDoc, fabric: Fabric): void {
  const nodes: Record<string, DeviceSnapshot> = {};
  for (const n of doc.nodes) {
    const snap = fabric.sessionSnapshot(n.name);
    if (snap) nodes[n.name] = snap;
  }
  stage(tx, doc, nodes);
}

/**
 * Write the document with each node's peers in key order: the order a run met its peers in depends on how it was
 * spread over threads, and the same sessions must give the same bytes.
 */
function stage(tx: Tx, doc: ClusterDoc, nodes: Record<string, DeviceSnapshot>): void {
  if (Object.keys(nodes).length === 0) return tx.delete(sessionsKey(doc));
  const sorted: Record<string, DeviceSnapshot> = {};
  for (const [node, snap] of Object.entries(nodes)) {
    const peers: Record<string, string> = {};
    for (const key of Object.keys(snap.peers).sort()) peers[key] = snap.peers[key]!;
    sorted[node] = { ...snap, peers };
  }
  tx.write(sessionsKey(doc), { nodes: sorted } satisfies SessionsDoc);
}

/** The saved sessions by node, or null when there are none. @throws StateError */
export function readSavedSessions(store: Store, doc: ClusterDoc): Record<string, DeviceSnapshot> | null {
  return store.read<SessionsDoc>(sessionsKey(doc), check)?.nodes ?? null;
}

/** Stage sessions given as snapshots (a sharded run's merge), or the document's removal when there are none. */
export function writeSessions(tx: Tx, doc: ClusterDoc, nodes: Record<string, DeviceSnapshot>): void {
  const live = new Set(doc.nodes.map((n) => n.name));
  stage(tx, doc, Object.fromEntries(Object.entries(nodes).filter(([node]) => live.has(node))));
}
