import type { CommandSpec } from '../command.js';
import { loadCluster, openStore } from '../../repo/cluster.js';
import { RESOURCE_GROUP, str } from '../common.js';
import { agentPoolView, CLUSTER_NAME_FLAG, findPool, POOL_NAME_FLAG, poolTable } from './shared.js';

export const nodepoolShow: CommandSpec = {
  path: ['nodepool', 'show'],
  summary: 'Show the details for a node pool in the managed Kubernetes cluster (az aks nodepool show).',
  flags: [RESOURCE_GROUP, CLUSTER_NAME_FLAG, POOL_NAME_FLAG],
  output: { table: poolTable },
  run({ env, args }) {
    const mc = loadCluster(openStore(env), str(args['resourceGroup'])!, str(args['clusterName'])!).managedCluster;
    return agentPoolView(mc, findPool(mc, str(args['name'])!));
  },
};
