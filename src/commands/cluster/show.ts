import type { CommandSpec } from '../../cli/command.js';
import { loadCluster, openStore } from '../../cluster/repo.js';
import { CLUSTER_NAME, clusterTable, RESOURCE_GROUP, str } from '../common.js';

export const clusterShow: CommandSpec = {
  path: ['cluster', 'show'],
  summary: 'Show the details for a managed Kubernetes cluster (az aks show).',
  flags: [RESOURCE_GROUP, CLUSTER_NAME],
  output: { table: clusterTable },
  examples: ['aks-wg cluster show -g RG -n C -o table', "aks-wg cluster show -g RG -n C --query networkProfile.advancedNetworking"],
  run({ env, args }) {
    return loadCluster(openStore(env), str(args['resourceGroup'])!, str(args['name'])!).managedCluster;
  },
};
