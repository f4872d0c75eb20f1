import { managedClusterView } from '../../cluster/clock.js';
import { PRINTED, type CommandSpec } from '../command.js';
import { loadCluster, openStore } from '../../repo/cluster.js';
import { CLUSTER_NAME, clusterTable, RESOURCE_GROUP, str, strictEgressOf, withStrictMode } from '../common.js';

export const clusterShow: CommandSpec = {
  path: ['cluster', 'show'],
  summary: 'Show the details for a managed Kubernetes cluster (az aks show).',
  flags: [
    RESOURCE_GROUP,
    CLUSTER_NAME,
    { long: 'as-az-command', kind: 'switch', help: 'Print the `az aks create` command line (and `az aks nodepool add` lines) that would build this cluster on Azure.' },
  ],
  output: { table: clusterTable },
  examples: ['aks-wg cluster show -g RG -n C -o table', "aks-wg cluster show -g RG -n C --query networkProfile.advancedNetworking"],
  async run({ env, args }) {
    const store = openStore(env);
    const mc = managedClusterView(loadCluster(store, str(args['resourceGroup'])!, str(args['name'])!));
    if (args['asAzCommand'] !== true) return withStrictMode(mc, await strictEgressOf(store, mc));
    const { azCommands } = await import('../../aks/az-command.js');
    env.stdout.write(azCommands(mc).join('\n\n') + '\n');
    return PRINTED;
  },
};
