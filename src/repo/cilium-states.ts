/**
 * The agents' states as `kubectl get/describe ciliumnodes` shows them, read from the store (cilium-doc.ts,
 * imported.ts). Apart from cilium-doc.ts because the CiliumNode view (cilium/ciliumnode.ts) needs the scheduler's
 * system pods, which a command that only reads the Cilium document does not load.
 */
import type { ClusterDoc } from '../cluster/doc.js';
import { agentStates, type CiliumAgentView } from '../cilium/ciliumnode.js';
import type { Store } from '../state/store.js';
import { loadCilium } from './cilium-doc.js';
import { loadImported } from './imported.js';

/**
 * The agent state of each node at the cluster's simulated time (cilium/ciliumnode.ts agentStates), read from the
 * Cilium document and, for an imported cluster, its imported-keys document. Only public keys leave the agent.
 */
export function agentStatesFor(store: Store, doc: ClusterDoc): Map<string, CiliumAgentView> {
  const { resourceGroup: rg, name } = doc.managedCluster;
  return agentStates(doc, loadCilium(store, rg, name), loadImported(store, rg, name));
}
