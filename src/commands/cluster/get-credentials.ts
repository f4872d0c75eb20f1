import type { CommandSpec } from '../command.js';
import { CONFIG_KEY, useCluster } from '../../repo/context.js';
import { openStore, readCluster } from '../../repo/cluster.js';
import { CLUSTER_NAME, RESOURCE_GROUP, str } from '../common.js';

/**
 * az aks get-credentials: merge the cluster's context into aks-wg's kubeconfig (`config.json` in the state
 * directory) and make it current. az prints `Merged "NAME" as current context in PATH` as a message for people, so
 * it goes to stderr here (stdout stays empty, as with az's warning-level logging).
 */
export const clusterGetCredentials: CommandSpec = {
  path: ['cluster', 'get-credentials'],
  summary: 'Get access credentials for a managed Kubernetes cluster: make it the current context for aks-wg kubectl (az aks get-credentials).',
  flags: [
    RESOURCE_GROUP,
    CLUSTER_NAME,
    { long: 'admin', short: 'a', kind: 'switch', help: 'Get cluster administrator credentials. Accepted for compatibility; no effect.' },
    { long: 'overwrite-existing', kind: 'switch', help: 'Overwrite any existing cluster entry with the same name. Always done in aks-wg.' },
  ],
  output: false,
  examples: ['aks-wg cluster get-credentials -g RG -n C', 'aks-wg kubectl get nodes'],
  async run({ env, args, ui }) {
    const rg = str(args['resourceGroup'])!;
    const name = str(args['name'])!;
    const store = openStore(env);
    const context = await store.mutate((tx) => {
      const doc = readCluster(tx, rg, name);
      return useCluster(tx, { resourceGroup: doc.managedCluster.resourceGroup, cluster: doc.managedCluster.name });
    });
    ui.info(`Merged "${context}" as current context in ${store.pathOf(CONFIG_KEY)}`);
    return undefined;
  },
};
