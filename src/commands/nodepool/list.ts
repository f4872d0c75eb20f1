import type { CommandSpec } from '../command.js';
import { loadCluster, openStore } from '../../repo/cluster.js';
import { RESOURCE_GROUP, str } from '../common.js';
import { agentPoolView, CLUSTER_NAME_FLAG, poolTable } from './shared.js';

export const nodepoolList: CommandSpec = {
  path: ['nodepool', 'list'],
  summary: 'List node pools in the managed Kubernetes cluster (az aks nodepool list).',
  flags: [RESOURCE_GROUP, CLUSTER_NAME_FLAG],
  output: { table: poolTable },
  examples: ['aks-wg nodepool list -g RG --cluster-name C -o table'],
  run({ env, args }) {
    const mc = loadCluster(openStore(env), str(args['resourceGroup'])!, str(args['clusterName'])!).managedCluster;
    return mc.agentPoolProfiles.map((p) => agentPoolView(mc, p));
  },
};
