/** Persistence of the nodes' WireGuard sessions between commands (filled in by the snapshot layer). */
import type { ClusterDoc } from '../cluster/doc.js';
import type { Store, Tx } from '../state/store.js';
import type { Fabric } from './fabric.js';

export function loadSessions(_store: Store, _doc: ClusterDoc, _fabric: Fabric): void {}
export function saveSessions(_tx: Tx, _doc: ClusterDoc, _fabric: Fabric): void {}
