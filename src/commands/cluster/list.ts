import { managedClusterView } from '../../cluster/clock.js';
import type { CommandSpec } from '../command.js';
import { listClusters, openStore } from '../../repo/cluster.js';
import { clusterTable, RESOURCE_GROUP_OPTIONAL, str } from '../common.js';

export const clusterList: CommandSpec = {
  path: ['cluster', 'list'],
  summary: 'List managed Kubernetes clusters (az aks list).',
  flags: [RESOURCE_GROUP_OPTIONAL],
  output: { table: clusterTable },
  examples: ['aks-wg cluster list -o table', 'aks-wg cluster list -g RG --query "[].name" -o tsv'],
  run({ env, args, ui }) {
    // one corrupt cluster file is skipped with a warning naming it; the others are still listed
    return listClusters(openStore(env), str(args['resourceGroup']), (e) => ui.warn(`skipped: ${e.message}`)).map(managedClusterView);
  },
};
